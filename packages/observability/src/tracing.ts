import { type Attributes, type Context, context, propagation, type Span, SpanStatusCode, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { NodeSDK } from "@opentelemetry/sdk-node";

export type Tracing = { shutdown: () => Promise<void> };

export const tracer = (name = "threads-agent") => trace.getTracer(name);

/**
 * Starts OpenTelemetry when an OTLP endpoint is configured; otherwise the API stays a no-op and
 * costs nothing. Exporter timeouts are bounded so shutdown never stalls on a missing collector.
 */
export function startTracing(options: { service: string; endpoint?: string | undefined }): Tracing {
  if (!options.endpoint) return { shutdown: async () => {} };
  const sdk = new NodeSDK({
    serviceName: options.service,
    traceExporter: new OTLPTraceExporter({ url: `${options.endpoint.replace(/\/$/, "")}/v1/traces`, timeoutMillis: 2000 }),
  });
  sdk.start();
  return {
    shutdown: () => Promise.race([sdk.shutdown(), new Promise<void>((resolve) => setTimeout(resolve, 3000).unref())]).catch(() => {}),
  };
}

/** W3C trace context of the active span, to carry in a job's data. */
export function injectTraceContext(): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

export function withExtractedContext<T>(carrier: Record<string, string> | undefined, fn: (ctx: Context) => T): T {
  const ctx = carrier ? propagation.extract(context.active(), carrier) : context.active();
  return context.with(ctx, () => fn(ctx));
}

/**
 * Runs `fn` in a new active span of `tracerName` that continues the trace in `carrier` (W3C
 * headers, when given). An error is recorded on the span and rethrown; the span ends either way.
 */
export function inSpan<T>(
  tracerName: string,
  name: string,
  options: { attributes?: Attributes; carrier?: Record<string, string> | undefined },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return withExtractedContext(options.carrier, () =>
    tracer(tracerName).startActiveSpan(name, { attributes: options.attributes ?? {} }, async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR });
        throw err;
      } finally {
        span.end();
      }
    }),
  );
}
