import { LlmError } from "./errors.ts";

export const PROVIDER_NAMES = ["offline", "openai", "anthropic"] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export type ModelRef = {
  provider: ProviderName;
  /** Model name as the provider knows it, e.g. `gpt-4o-mini`. */
  name: string;
  /** Canonical `provider/name`. */
  id: string;
};

// Bare names people already use in configs (the original threads-agent read HOOK_MODEL=gpt-4o).
const BARE_NAME_PROVIDERS: [RegExp, ProviderName][] = [
  [/^(gpt-|o\d|chatgpt-|omni-)/, "openai"],
  [/^claude-/, "anthropic"],
  [/^offline(-|$)/, "offline"],
];

const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Why `id` is not a usable model id, or null when it is. Config schemas use this for their messages. */
export function modelIdProblem(id: string): string | null {
  try {
    parseModelId(id);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * Reads `provider/model`. Bare well-known names (`gpt-4o-mini`, `claude-…`) get their provider
 * inferred; anything else must say its provider.
 */
export function parseModelId(id: string): ModelRef {
  const trimmed = id.trim();
  const slash = trimmed.indexOf("/");
  let provider: string | undefined;
  let name: string;
  if (slash >= 0) {
    provider = trimmed.slice(0, slash).toLowerCase();
    name = trimmed.slice(slash + 1);
  } else {
    name = trimmed;
    provider = BARE_NAME_PROVIDERS.find(([pattern]) => pattern.test(trimmed))?.[1];
    if (!provider) {
      throw new LlmError(
        "unknown_model",
        `model ${JSON.stringify(id)} does not say its provider: write it as provider/model (${PROVIDER_NAMES.join(", ")}), e.g. openai/gpt-4o-mini`,
      );
    }
  }
  if (!(PROVIDER_NAMES as readonly string[]).includes(provider)) {
    throw new LlmError(
      "unknown_model",
      `model ${JSON.stringify(id)} names unknown provider "${provider}" (known: ${PROVIDER_NAMES.join(", ")})`,
    );
  }
  if (!NAME_PATTERN.test(name)) {
    throw new LlmError(
      "unknown_model",
      `model ${JSON.stringify(id)} has an invalid model name: letters, digits, '.', '_', ':' and '-' only, at most 128 characters`,
    );
  }
  return { provider: provider as ProviderName, name, id: `${provider}/${name}` };
}
