export { toCallRecord } from "./call-record.ts";
export { isLlmError, LlmError, type LlmErrorCode } from "./errors.ts";
export { type ModelRef, modelIdProblem, PROVIDER_NAMES, type ProviderName, parseModelId } from "./model-id.ts";
export {
  createOpenAiModerator,
  DEFAULT_MODERATION_MODEL,
  type ModerationResult,
  type ModerationVerdict,
  type Moderator,
  type OpenAiModeratorOptions,
} from "./moderation.ts";
export { createOfflineProvider, type OfflineProviderOptions } from "./offline/provider.ts";
export { type SeededRandom, seededRandom, seedOf } from "./offline/seeded-random.ts";
export {
  costAtPrice,
  costUsd,
  FREE_MODELS,
  type ModelPrice,
  PRICE_TABLES,
  type PriceQuote,
  type PriceTable,
  priceOf,
  priceTableAt,
} from "./pricing.ts";
export { ANTHROPIC_DEFAULT_BASE_URL, type AnthropicProviderOptions, createAnthropicProvider } from "./providers/anthropic.ts";
export { KEY_VARIABLES, PROVIDER_LABELS, scrubSecrets } from "./providers/http-errors.ts";
export { createProviders, DEFAULT_MODELS, type ProviderSettings } from "./providers/index.ts";
export { createOpenAiProvider, OPENAI_DEFAULT_BASE_URL, type OpenAiProviderOptions } from "./providers/openai.ts";
export type { SdkLogger } from "./providers/sdk-logger.ts";
export { type AttemptReport, DEFAULT_RETRY_POLICY, type RetryPolicy, retryDelay } from "./retry.ts";
export { createLlmRouter, isUsableKey, type LlmRouter, type LlmRouterOptions, type Route } from "./router.ts";
export { CHARS_PER_TOKEN, estimateConversationTokens, estimatePromptTokens, estimateTokens } from "./tokens.ts";
export type {
  CallPurpose,
  Completion,
  CompletionRequest,
  ConversationTurn,
  FinishReason,
  LlmProvider,
  PersonaVoice,
  ProviderCompletion,
  ProviderRequest,
  TokenUsage,
  ToolCall,
  ToolDefinition,
  ToolResult,
} from "./types.ts";
