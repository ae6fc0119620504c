import { env, loadConfig } from "@threads-agent/config";
import { DEFAULT_MODERATION_MODEL, DEFAULT_RETRY_POLICY, modelIdProblem } from "@threads-agent/llm";
import { z } from "zod";

const modelId = () =>
  z.string().superRefine((value, ctx) => {
    const problem = modelIdProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** A model id, or `none` to switch the fallback off. */
const fallbackModelId = () =>
  z.string().superRefine((value, ctx) => {
    if (value.trim().toLowerCase() === "none") return;
    const problem = modelIdProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: `${problem} (or "none" for no fallback)` });
  });

/** The original threads-agent blocked these words; whole words, any case. */
export const DEFAULT_GUARDRAIL_BLOCKLIST = "\\b(?:suicide|bomb|kill)\\b";

// Zod messages never echo values, so a malformed variable next to a key cannot print the key.
export const configSchema = z.object({
  /** HTTP port of POST /v1/generate and the ops routes. */
  PORT: env.port(8081),
  /** Interface to listen on. */
  HOST: z.string().min(1).default("0.0.0.0"),
  /** pino level. */
  LOG_LEVEL: env.logLevel,
  /**
   * OpenAI API key. Unset, empty or `test`: OpenAI models are served by the offline provider and
   * moderation is off. Set: real OpenAI calls, and omni-moderation in the guardrail.
   */
  OPENAI_API_KEY: z.string().optional(),
  /** Anthropic API key; unset, empty or `test`: Anthropic models are served offline. */
  ANTHROPIC_API_KEY: z.string().optional(),
  /** OpenAI API root including /v1 (proxy, gateway, test stand-in); default https://api.openai.com/v1. */
  OPENAI_BASE_URL: env.url().optional(),
  /** Anthropic API root without /v1; default https://api.anthropic.com. */
  ANTHROPIC_BASE_URL: env.url().optional(),
  /**
   * Model of the hook step when the persona names none (`provider/model`). Unset: openai/gpt-4o-mini
   * with an OpenAI key, else anthropic/claude-haiku-4-5 with an Anthropic key, else offline/hook.
   * A model whose provider has no key is served offline (the call's reason says so).
   */
  HOOK_MODEL: modelId().optional(),
  /** Model of the body step when the persona names none; unset: chosen like HOOK_MODEL (offline/body without keys). */
  BODY_MODEL: modelId().optional(),
  /**
   * Model that takes over the hook when the primary's provider fails (5xx, timeout, 429 after the
   * retries, exhausted quota). Unset: with both keys, the other provider's default model; else none.
   * `none` switches it off. Never used when its provider has no key.
   */
  HOOK_FALLBACK_MODEL: fallbackModelId().optional(),
  /** Fallback model of the body step; same rules as HOOK_FALLBACK_MODEL. */
  BODY_FALLBACK_MODEL: fallbackModelId().optional(),
  /** Deadline of one attempt of a model call, request to last token; a timeout goes to the fallback (or fails retryable). */
  LLM_TIMEOUT_MS: env.positiveInt(20_000),
  /** Extra attempts on the same model after a 429, 5xx or network error (Retry-After honoured up to 8 s). */
  LLM_MAX_RETRIES: env.nonNegativeInt(DEFAULT_RETRY_POLICY.maxRetries),
  /** First retry backoff; doubles per retry, with jitter. */
  LLM_RETRY_BASE_DELAY_MS: env.nonNegativeInt(DEFAULT_RETRY_POLICY.baseDelayMs),
  /**
   * OpenAI moderation model the guardrail uses when an OpenAI key is set; `none` switches
   * moderation off. When moderation cannot be had, the post is not published (the task fails as
   * retryable).
   */
  MODERATION_MODEL: z.string().min(1).default(DEFAULT_MODERATION_MODEL),
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
  /**
   * Benchmarks only: the offline provider holds the event loop this long per call, as heavier
   * CPU-bound work would, without using a core (bench/scale-out.ts --hold-ms).
   */
  OFFLINE_HOLD_MS: env.nonNegativeInt(0),
  /** OTLP/HTTP endpoint (e.g. http://jaeger:4318); tracing is off when unset. */
  OTEL_EXPORTER_OTLP_ENDPOINT: env.common.OTEL_EXPORTER_OTLP_ENDPOINT,
  /** Time in-flight generations get to finish on SIGTERM before the process exits. */
  SHUTDOWN_GRACE_MS: env.common.SHUTDOWN_GRACE_MS,
});

export type Config = z.output<typeof configSchema>;

export function loadServiceConfig(environment: Record<string, string | undefined> = process.env): Config {
  return loadConfig("persona-runtime", configSchema, environment);
}
