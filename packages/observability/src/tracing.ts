import {
  type Attributes,
  type Context,
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";

export type Tracing = {
  /** Whether spans are recorded and exported (an OTLP endpoint is configured). */
  enabled: boolean;
  /** Flushes what is buffered (bounded: never stalls on a missing collector) and stops. */
  shutdown: () => Promise<void>;
};

export type TracingOptions = {
  service: string;
  endpoint?: string | undefined;
  /** Extra resource attributes (e.g. `run.id` of an agent process). */
  attributes?: Attributes;
};

export const tracer = (name = "threads-agent") => trace.getTracer(name);

/**
 * Starts OpenTelemetry when an OTLP endpoint is configured; otherwise nothing is loaded, the API
 * stays a no-op and costs nothing. The SDK and every instrumentation are imported only here.
 */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  if (!options.endpoint) return { enabled: false, shutdown: async () => {} };
  const { startSdk } = await import("./tracing-sdk.ts");
  return startSdk({ ...options, endpoint: options.endpoint });
}

/** W3C trace context (and baggage) of the active span, to carry in a job's data or a child's environment. */
export function injectTraceContext(ctx: Context = context.active()): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

export function extractTraceContext(carrier: Record<string, string> | undefined | null, base: Context = context.active()): Context {
  return carrier ? propagation.extract(base, carrier) : base;
}

/**
 * Runs `fn` in the trace `carrier` names, unless a span is active already: that span (the HTTP
 * server span of the request that carried the headers, BullMQ's consumer span of the job that
 * carried them) continues the same trace one level closer, and stays the parent.
 */
export function withExtractedContext<T>(carrier: Record<string, string> | undefined, fn: (ctx: Context) => T): T {
  const ctx = trace.getSpan(context.active()) ? context.active() : extractTraceContext(carrier);
  return context.with(ctx, () => fn(ctx));
}

/** A link to the span a carrier names (the trace a task or run was created in), for work that starts its own trace. */
export function linkTo(carrier: unknown): Link[] {
  if (!carrier || typeof carrier !== "object") return [];
  const span = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, carrier as Record<string, string>));
  return span && trace.isSpanContextValid(span) ? [{ context: span }] : [];
}

/**
 * Entity ids (`task.id`, `run.id`) as W3C baggage in the active context: they travel with the trace
 * to every service the work calls (persona-runtime, fake-threads), whose log lines then name the
 * entity (see the logger's mixin). Without tracing, baggage is not propagated and this only runs fn.
 */
export function withEntity<T>(entries: Record<string, string | number>, fn: () => T): T {
  const current = propagation.getBaggage(context.active()) ?? propagation.createBaggage();
  let baggage = current;
  for (const [key, value] of Object.entries(entries)) baggage = baggage.setEntry(key, { value: String(value) });
  return context.with(propagation.setBaggage(context.active(), baggage), fn);
}

/** The entity ids in the active context's baggage, as log fields (`task.id` -> `task_id`). */
export function entityOfContext(ctx: Context = context.active()): Record<string, string> {
  const baggage = propagation.getBaggage(ctx);
  if (!baggage) return {};
  const out: Record<string, string> = {};
  for (const [key, entry] of baggage.getAllEntries()) if (ENTITY_KEYS.has(key)) out[key.replace(".", "_")] = entry.value;
  return out;
}
const ENTITY_KEYS = new Set(["task.id", "run.id", "persona.id", "variation.index"]);

/**
 * Marks a span failed: ERROR status with the message, the exception as an event (type, message,
 * stack), and any attributes that say what failed (attempt, error code).
 */
export function recordFailure(span: Span | undefined, err: unknown, attributes: Attributes = {}): void {
  if (!span) return;
  const error = err instanceof Error ? err : new Error(String(err));
  span.recordException(error);
  span.setAttributes({
    "error.type": (error as { code?: unknown }).code ? String((error as { code?: unknown }).code) : error.name,
    ...attributes,
  });
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/**
 * Runs `fn` in a new active span of `tracerName` that continues the trace in `carrier` (W3C
 * headers, when given). An error is recorded on the span (status ERROR, the exception as an
 * event) and rethrown; the span ends either way.
 */
export function inSpan<T>(
  tracerName: string,
  name: string,
  options: { attributes?: Attributes; carrier?: Record<string, string> | undefined; kind?: SpanKind; links?: Link[] },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return withExtractedContext(options.carrier, () =>
    tracer(tracerName).startActiveSpan(
      name,
      { attributes: options.attributes ?? {}, kind: options.kind ?? SpanKind.INTERNAL, ...(options.links ? { links: options.links } : {}) },
      async (span) => {
        try {
          return await fn(span);
        } catch (err) {
          recordFailure(span, err);
          throw err;
        } finally {
          span.end();
        }
      },
    ),
  );
}
