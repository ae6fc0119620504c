import { createOpenAiClient, type OpenAiProviderOptions, openAiFailure } from "./providers/openai.ts";
import { type AttemptReport, DEFAULT_RETRY_POLICY, type RetryPolicy, servedReason, withRetries } from "./retry.ts";

export const DEFAULT_MODERATION_MODEL = "omni-moderation-latest";

/** The verdict on one text. */
export type ModerationVerdict = {
  flagged: boolean;
  /** Flagged categories in the provider's words (`harassment`, `violence/graphic`, …); empty when not flagged. */
  categories: string[];
};

export type ModerationResult = {
  provider: "openai";
  /** `openai/<model that answered>` (e.g. `openai/omni-moderation-2024-09-26`). */
  model: string;
  /** One verdict per input text, in order. */
  results: ModerationVerdict[];
  latencyMs: number;
  attempts: number;
  /** Moderation is free; kept so the call is accounted like any other. */
  costUsd: number;
  /** "primary", or "primary after 1 retry: rate_limited (HTTP 429)". */
  reason: string;
};

export interface Moderator {
  /** `openai/omni-moderation-latest`. */
  readonly model: string;
  moderate(
    texts: string[],
    options?: { signal?: AbortSignal; timeoutMs?: number; onAttempt?: (report: AttemptReport) => void },
  ): Promise<ModerationResult>;
}

export type OpenAiModeratorOptions = OpenAiProviderOptions & {
  model?: string;
  retry?: Partial<RetryPolicy>;
  onAttempt?: (report: AttemptReport) => void;
};

/**
 * OpenAI's moderation endpoint (omni-moderation), with the router's retry policy. It throws
 * LlmError when moderation cannot be had: the caller decides whether a post may go out unchecked
 * (persona-runtime says no).
 */
export function createOpenAiModerator(options: OpenAiModeratorOptions): Moderator {
  const client = createOpenAiClient(options);
  const name = options.model ?? DEFAULT_MODERATION_MODEL;
  const model = `openai/${name}`;
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  return {
    model,
    async moderate(texts, callOptions = {}) {
      const result = await withRetries(
        async (signal) => {
          try {
            return await client.moderations.create({ model: name, input: texts }, { signal });
          } catch (err) {
            throw openAiFailure(err, model, options);
          }
        },
        {
          provider: "openai",
          model,
          policy,
          timeoutMs: callOptions.timeoutMs,
          signal: callOptions.signal,
          step: "guardrail",
          onAttempt: (report) => {
            options.onAttempt?.(report);
            callOptions.onAttempt?.(report);
          },
        },
      );
      const answer = result.value;
      const served = `openai/${answer.model || name}`;
      const results = texts.map((_, i): ModerationVerdict => {
        const verdict = answer.results[i];
        if (!verdict) return { flagged: false, categories: [] };
        const categories = Object.entries(verdict.categories as unknown as Record<string, boolean | null>)
          .filter(([, on]) => on === true)
          .map(([category]) => category);
        return { flagged: verdict.flagged, categories };
      });
      return {
        provider: "openai",
        model: served,
        results,
        latencyMs: result.latencyMs,
        attempts: result.attempts,
        // OpenAI does not charge for moderation (the price table lists it at 0) and reports no usage.
        costUsd: 0,
        reason: servedReason("primary", result.failures),
      };
    },
  };
}
