import { context, trace } from "@opentelemetry/api";
import { type Logger, pino } from "pino";
import { entityOfContext } from "./tracing.ts";

export type { Logger };

/**
 * Anything that looks like a provider key, a bearer token or a token in a URL (Threads takes
 * `access_token=` as a query parameter, and its refresh call must) is masked before a line is written.
 */
export const SECRET_PATTERNS: RegExp[] = [
  /sk-(?:ant-|proj-)?[A-Za-z0-9_-]{8,}/g,
  /(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
  /((?:access_token|input_token|client_secret)=)[^&\s"'#]+/gi,
];

export function redactSecrets(text: string): string {
  let out = text;
  for (const re of SECRET_PATTERNS)
    out = out.replace(re, (_match, bearer?: string) => (typeof bearer === "string" ? `${bearer}[redacted]` : "[redacted]"));
  return out;
}

/**
 * What every line written inside a span carries: its trace and span ids (so a log line finds its
 * trace, and a trace its lines) and the entity ids the trace's baggage names (`task_id`, `run_id`:
 * set where the work starts, they reach every service the work calls). Empty outside a span, and
 * always without tracing (no context manager runs then).
 */
export function traceFields(): Record<string, string> {
  const ctx = context.active();
  const span = trace.getSpanContext(ctx);
  if (!span || !trace.isSpanContextValid(span)) return {};
  return { trace_id: span.traceId, span_id: span.spanId, ...entityOfContext(ctx) };
}

const ENTITY_FIELDS = ["task_id", "run_id", "persona_id", "variation_index"];

export function createLogger(options: { service: string; level?: string; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    {
      name: options.service,
      level: options.level ?? "info",
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Known secret-bearing fields never reach the output...
      redact: {
        paths: [
          "req.headers.authorization",
          "headers.authorization",
          "*.apiKey",
          "*.api_key",
          "apiKey",
          "config.OPENAI_API_KEY",
          "config.ANTHROPIC_API_KEY",
          "*.OPENAI_API_KEY",
          "*.ANTHROPIC_API_KEY",
        ],
        censor: "[redacted]",
      },
      // ...and free text (error messages from SDKs, say) is scrubbed of anything key-shaped.
      hooks: {
        streamWrite: redactSecrets,
      },
      formatters: { level: (label) => ({ level: label }) },
      mixin: (mergeObject, _level, instance) => {
        const fields = traceFields();
        // An id the line or its child logger already carries is not written twice.
        if (fields.task_id || fields.run_id || fields.persona_id || fields.variation_index) {
          const bound = instance.bindings();
          for (const key of ENTITY_FIELDS) if (key in mergeObject || key in bound) delete fields[key];
        }
        return fields;
      },
    },
    options.destination ?? process.stdout,
  );
}
