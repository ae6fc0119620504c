export {
  type ContainerState,
  createThreadsClient,
  type MediaInsights,
  type PublishingLimit,
  parseGraphTimestamp,
  type RefreshedToken,
  type ThreadsClient,
  type ThreadsClientOptions,
  type ThreadsPage,
  type ThreadsPost,
  type ThreadsProfile,
  type TokenInfo,
} from "./client.ts";
export { type ContainerFailure, redact, ThreadsApiError, type ThreadsErrorKind } from "./errors.ts";
export { parseTokenKey, TokenCipher, TokenDecryptError, tokenContext, tokenFingerprint } from "./token-cipher.ts";
