import { type Context, context, SpanStatusCode, trace } from "@opentelemetry/api";
import { BullMQOTelSpan, BullMQOtel } from "bullmq-otel";

// BullMQ's own SpanKind values (its enum mirrors OpenTelemetry's).
const INTERNAL = 0;

/** A span BullMQ may use like any other that records nothing and leaves the context as it was. */
const SILENT = {
  setSpanOnContext: (ctx: Context) => ctx,
  setAttribute() {},
  setAttributes() {},
  addEvent() {},
  recordException() {},
  end() {},
};

/** BullMQ records a failed job as an event; a failed attempt is an error of its span too. */
class FailureAwareSpan extends BullMQOTelSpan {
  override addEvent(name: string, attributes?: Record<string, string | number | boolean>, time?: number): void {
    super.addEvent(name, attributes, time);
    if (name === "job failed") {
      const reason = attributes?.["bullmq.job.failed.reason"];
      this.span.setStatus({ code: SpanStatusCode.ERROR, ...(typeof reason === "string" ? { message: reason } : {}) });
    }
  }
}

/**
 * BullMQ's telemetry (bullmq-otel): a PRODUCER span per `add` and a CONSUMER span per processed
 * attempt, the job carrying the producer's context (`opts.telemetry.metadata`) so every attempt
 * of a task continues the trace of the request that queued it. Two changes to bullmq-otel:
 * internal spans outside any trace (the poll loop's `getNextJob`, the stalled-job checks, several
 * a second per worker) are not recorded, and a failed attempt's span gets ERROR status. Costs
 * nothing while tracing is off (the API is a no-op then).
 */
export function queueTelemetry(): BullMQOtel {
  const otel = new BullMQOtel({ tracerName: "bullmq" });
  const inner = trace.getTracer("bullmq");
  otel.tracer = {
    startSpan(name: string, options?: { kind?: number }, ctx?: Context) {
      if (options?.kind === INTERNAL && !trace.getSpan(ctx ?? context.active())) return SILENT as unknown as BullMQOTelSpan;
      return new FailureAwareSpan(inner.startSpan(name, options as never, ctx));
    },
  } as unknown as BullMQOtel["tracer"];
  return otel;
}
