import type { ProviderName } from "../model-id.ts";
import { isUsableKey } from "../router.ts";
import type { LlmProvider } from "../types.ts";
import { createAnthropicProvider } from "./anthropic.ts";
import { createOpenAiProvider } from "./openai.ts";
import type { SdkLogger } from "./sdk-logger.ts";

/**
 * The model each provider writes with when nothing else is configured: the cheapest current
 * non-reasoning model of each, which is plenty for a 500-character post (see PRICE_TABLES).
 */
export const DEFAULT_MODELS = { openai: "openai/gpt-4o-mini", anthropic: "anthropic/claude-haiku-4-5" } as const;

export type ProviderSettings = {
  openai?: { apiKey?: string | undefined; baseURL?: string | undefined };
  anthropic?: { apiKey?: string | undefined; baseURL?: string | undefined };
  logger?: SdkLogger | undefined;
};

/**
 * Real providers for the keys that are usable (set, and not the placeholder `test`); the router
 * serves the others offline. Pass the result as `createLlmRouter({ providers })`.
 */
export function createProviders(settings: ProviderSettings): Partial<Record<Exclude<ProviderName, "offline">, LlmProvider>> {
  const providers: Partial<Record<Exclude<ProviderName, "offline">, LlmProvider>> = {};
  const openai = settings.openai;
  if (openai && isUsableKey(openai.apiKey)) {
    providers.openai = createOpenAiProvider({ apiKey: openai.apiKey, baseURL: openai.baseURL, logger: settings.logger });
  }
  const anthropic = settings.anthropic;
  if (anthropic && isUsableKey(anthropic.apiKey)) {
    providers.anthropic = createAnthropicProvider({ apiKey: anthropic.apiKey, baseURL: anthropic.baseURL, logger: settings.logger });
  }
  return providers;
}
