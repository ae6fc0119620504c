import {
  ANTHROPIC_DEFAULT_BASE_URL,
  type AttemptReport,
  createLlmRouter,
  createOpenAiModerator,
  createProviders,
  isUsableKey,
  type LlmRouter,
  type Moderator,
  OPENAI_DEFAULT_BASE_URL,
} from "@threads-agent/llm";
import { type Logger, type Metrics, startAtZero } from "@threads-agent/observability";
import type { Config } from "./config.ts";
import { createModelChoice, type ModelChoice } from "./model-choice.ts";

export type LlmSetup = {
  router: LlmRouter;
  /** Null without an OpenAI key, or with MODERATION_MODEL=none. */
  moderator: Moderator | null;
  models: ModelChoice;
  /** What is configured, safe to log: provider names and endpoints, never keys. */
  summary: Record<string, unknown>;
};

/** Every outcome an attempt reports: ok, or the LlmError code it failed with. */
const LLM_OUTCOMES = [
  "ok",
  "timeout",
  "rate_limited",
  "quota_exceeded",
  "provider_unavailable",
  "auth_failed",
  "bad_request",
  "content_filtered",
  "provider_error",
  "unknown_model",
] as const;

type LlmConfig = Pick<
  Config,
  | "OPENAI_API_KEY"
  | "ANTHROPIC_API_KEY"
  | "OPENAI_BASE_URL"
  | "ANTHROPIC_BASE_URL"
  | "HOOK_MODEL"
  | "BODY_MODEL"
  | "HOOK_FALLBACK_MODEL"
  | "BODY_FALLBACK_MODEL"
  | "LLM_MAX_RETRIES"
  | "LLM_RETRY_BASE_DELAY_MS"
  | "MODERATION_MODEL"
  | "OFFLINE_STREAM_DELAY_MS"
  | "OFFLINE_HOLD_MS"
>;

/** An endpoint as logs may show it: credentials embedded in the URL are dropped. */
function endpoint(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    return parsed.toString().replace(/\/$/, "");
  } catch {
    return "(invalid URL)";
  }
}

/**
 * The LLM layer as configured: real providers for usable keys (the rest served offline), the
 * retry policy, moderation with an OpenAI key, and metrics of every attempt.
 */
export function buildLlm(config: LlmConfig, deps: { logger: Logger; metrics: Metrics }): LlmSetup {
  const requests = deps.metrics.counter(
    "llm_requests_total",
    "Requests to model providers by outcome (ok, rate_limited, provider_unavailable, timeout, auth_failed, ...)",
    ["provider", "model", "outcome"],
    { openLabels: true },
  );
  const fallbacks = deps.metrics.counter(
    "llm_fallbacks_total",
    "Model calls handed to the step's fallback model after the primary failed",
    ["step", "from"],
    { openLabels: true },
  );
  const onAttempt = (report: AttemptReport) => {
    requests.inc({ provider: report.provider, model: report.model, outcome: report.outcome });
    if (report.next === "fallback") fallbacks.inc({ step: report.step ?? "unknown", from: report.model });
  };
  const sdkLogger = deps.logger.child({ component: "llm-sdk" });
  const providers = createProviders({
    openai: { apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL },
    anthropic: { apiKey: config.ANTHROPIC_API_KEY, baseURL: config.ANTHROPIC_BASE_URL },
    logger: sdkLogger,
  });
  const retry = { maxRetries: config.LLM_MAX_RETRIES, baseDelayMs: config.LLM_RETRY_BASE_DELAY_MS };
  const router = createLlmRouter({
    providers,
    retry,
    onAttempt,
    offline: { streamDelayMs: config.OFFLINE_STREAM_DELAY_MS, holdMs: config.OFFLINE_HOLD_MS },
  });
  const moderationOn = isUsableKey(config.OPENAI_API_KEY) && config.MODERATION_MODEL.trim().toLowerCase() !== "none";
  const moderator =
    moderationOn && config.OPENAI_API_KEY
      ? createOpenAiModerator({
          apiKey: config.OPENAI_API_KEY,
          baseURL: config.OPENAI_BASE_URL,
          model: config.MODERATION_MODEL,
          retry,
          onAttempt,
          logger: sdkLogger,
        })
      : null;
  const models = createModelChoice(config);
  // The configured models' series start at 0 (a first rate limit must show in rate()); a persona's
  // own model starts at its first call.
  for (const step of ["hook", "body"] as const) {
    for (const id of [models.defaults[step].model, models.defaults[step].fallback]) {
      if (!id) continue;
      const served = router.route(id);
      startAtZero(requests, { provider: [served.provider.name], model: [served.model.id], outcome: LLM_OUTCOMES });
    }
    startAtZero(fallbacks, { step: [step], from: [models.defaults[step].model] });
  }
  return {
    router,
    moderator,
    models,
    summary: {
      providers: {
        openai: providers.openai ? endpoint(config.OPENAI_BASE_URL ?? OPENAI_DEFAULT_BASE_URL) : "offline (no key)",
        anthropic: providers.anthropic ? endpoint(config.ANTHROPIC_BASE_URL ?? ANTHROPIC_DEFAULT_BASE_URL) : "offline (no key)",
      },
      hook_model: models.defaults.hook.model,
      hook_fallback: models.defaults.hook.fallback,
      body_model: models.defaults.body.model,
      body_fallback: models.defaults.body.fallback,
      moderation: moderator?.model ?? "off",
      max_retries: config.LLM_MAX_RETRIES,
    },
  };
}
