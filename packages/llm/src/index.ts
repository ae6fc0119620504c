export { toCallRecord } from "./call-record.ts";
export { isLlmError, LlmError, type LlmErrorCode } from "./errors.ts";
export { type ModelRef, modelIdProblem, PROVIDER_NAMES, type ProviderName, parseModelId } from "./model-id.ts";
export { extractKeyPhrases } from "./offline/key-phrases.ts";
export { createOfflineProvider, type OfflineProviderOptions } from "./offline/provider.ts";
export { writeOffline } from "./offline/writer.ts";
export { costAtPrice, costUsd, type ModelPrice, PRICE_TABLES, type PriceQuote, type PriceTable, priceOf, priceTableAt } from "./pricing.ts";
export { createLlmRouter, isUsableKey, type LlmRouter, type LlmRouterOptions, type Route } from "./router.ts";
export { CHARS_PER_TOKEN, estimatePromptTokens, estimateTokens } from "./tokens.ts";
export type {
  CallPurpose,
  Completion,
  CompletionRequest,
  FinishReason,
  LlmProvider,
  PersonaVoice,
  ProviderCompletion,
  ProviderRequest,
  TokenUsage,
} from "./types.ts";
