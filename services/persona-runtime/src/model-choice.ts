import { DEFAULT_MODELS, isUsableKey, parseModelId } from "@threads-agent/llm";
import type { Config } from "./config.ts";

export type WritingStep = "hook" | "body";

/** Which model writes a step, and which takes over when its provider fails. */
export type StepModel = { model: string; fallback: string | null };

export type ModelChoice = {
  /** The step's model for a persona (its own model wins over the service default), with the fallback that applies to it. */
  forStep(step: WritingStep, personaModel: string | null): StepModel;
  /** The service defaults, for the start-up log. */
  defaults: Record<WritingStep, StepModel>;
};

type Keys = { openai: boolean; anthropic: boolean };

function keysOf(config: Pick<Config, "OPENAI_API_KEY" | "ANTHROPIC_API_KEY">): Keys {
  return { openai: isUsableKey(config.OPENAI_API_KEY), anthropic: isUsableKey(config.ANTHROPIC_API_KEY) };
}

/**
 * The default model of a step: the configured one, else the default model of a provider that has
 * a key (OpenAI first, as the original threads-agent), else the offline writer. Setting any one
 * key is enough to get real posts.
 */
function defaultModel(step: WritingStep, configured: string | undefined, keys: Keys): string {
  if (configured) return parseModelId(configured).id;
  if (keys.openai) return DEFAULT_MODELS.openai;
  if (keys.anthropic) return DEFAULT_MODELS.anthropic;
  return `offline/${step}`;
}

/**
 * The fallback for a primary model. Configured: that model (`none`: no fallback). Unconfigured:
 * the other provider's default model when both providers have keys, since a fallback on the same
 * provider shares its outages. Never the primary itself.
 */
function fallbackFor(primary: string, configured: string | undefined, keys: Keys): string | null {
  const primaryProvider = parseModelId(primary).provider;
  let fallback: string | null;
  if (configured !== undefined) fallback = configured.trim().toLowerCase() === "none" ? null : parseModelId(configured).id;
  else if (primaryProvider === "openai" && keys.anthropic) fallback = DEFAULT_MODELS.anthropic;
  else if (primaryProvider === "anthropic" && keys.openai) fallback = DEFAULT_MODELS.openai;
  else fallback = null;
  return fallback === primary ? null : fallback;
}

export function createModelChoice(
  config: Pick<
    Config,
    "OPENAI_API_KEY" | "ANTHROPIC_API_KEY" | "HOOK_MODEL" | "BODY_MODEL" | "HOOK_FALLBACK_MODEL" | "BODY_FALLBACK_MODEL"
  >,
): ModelChoice {
  const keys = keysOf(config);
  const primaries = { hook: defaultModel("hook", config.HOOK_MODEL, keys), body: defaultModel("body", config.BODY_MODEL, keys) };
  const fallbacks = { hook: config.HOOK_FALLBACK_MODEL, body: config.BODY_FALLBACK_MODEL };
  const forStep = (step: WritingStep, personaModel: string | null): StepModel => {
    const model = personaModel ? parseModelId(personaModel).id : primaries[step];
    return { model, fallback: fallbackFor(model, fallbacks[step], keys) };
  };
  return { forStep, defaults: { hook: forStep("hook", null), body: forStep("body", null) } };
}
