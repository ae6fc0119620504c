import { env, loadConfig } from "@threads-agent/config";
import { modelIdProblem } from "@threads-agent/llm";
import { z } from "zod";

const modelId = (fallback: string) =>
  z
    .string()
    .superRefine((value, ctx) => {
      const problem = modelIdProblem(value);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    })
    .default(fallback);

/** The original threads-agent blocked these words; whole words, any case. */
export const DEFAULT_GUARDRAIL_BLOCKLIST = "\\b(?:suicide|bomb|kill)\\b";

export const configSchema = z.object({
  /** HTTP port of POST /v1/generate and the ops routes. */
  PORT: env.port(8081),
  /** Interface to listen on. */
  HOST: z.string().min(1).default("0.0.0.0"),
  /** pino level. */
  LOG_LEVEL: env.logLevel,
  /** Model for the hook step when the persona names none: `provider/model`; served offline when that provider has no key. */
  HOOK_MODEL: modelId("offline/hook"),
  /** Model for the body step when the persona names none. */
  BODY_MODEL: modelId("offline/body"),
  /**
   * Regular expression (source, matched case-insensitively) over input, hook and body; a match
   * blocks the post. The default covers the original's `suicide|bomb|kill` as whole words.
   */
  GUARDRAIL_BLOCKLIST: z
    .string()
    .default(DEFAULT_GUARDRAIL_BLOCKLIST)
    .transform((source, ctx) => {
      try {
        return new RegExp(source, "i");
      } catch (err) {
        ctx.addIssue({ code: "custom", message: `not a valid regular expression: ${(err as Error).message}` });
        return z.NEVER;
      }
    }),
  /** Pause between streamed words of the offline provider, so demos look like a live model. */
  OFFLINE_STREAM_DELAY_MS: env.nonNegativeInt(0),
  /** Per model call deadline; a call that takes longer fails as retryable. */
  LLM_TIMEOUT_MS: env.positiveInt(60_000),
  /** OTLP/HTTP endpoint (e.g. http://jaeger:4318); tracing is off when unset. */
  OTEL_EXPORTER_OTLP_ENDPOINT: env.common.OTEL_EXPORTER_OTLP_ENDPOINT,
  /** Time in-flight generations get to finish on SIGTERM before the process exits. */
  SHUTDOWN_GRACE_MS: env.common.SHUTDOWN_GRACE_MS,
});

export type Config = z.output<typeof configSchema>;

export function loadServiceConfig(environment: Record<string, string | undefined> = process.env): Config {
  return loadConfig("persona-runtime", configSchema, environment);
}
