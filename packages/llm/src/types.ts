import type { Temperament } from "@threads-agent/contracts";

/** The voice a call writes in; real providers only see it through the prompt, the offline provider writes from it. */
export type PersonaVoice = {
  id: string;
  name: string;
  temperament: Temperament;
};

/**
 * What a call is for. Real providers pass it on only as metadata (tracing, user tags); the offline
 * provider writes its text from it, because it cannot understand the prompt.
 */
export type CallPurpose = {
  /** Pipeline step ("hook", "body", ...); also picks the offline provider's template family. */
  step: string;
  persona?: PersonaVoice;
  /** The raw task input, before it was put into a prompt. */
  input?: string;
  /** Whether the input is a trend to riff on or a pain statement to answer. */
  taskType?: "trend" | "pain";
  /** The hook already written, when writing the body. */
  hook?: string;
};

export type CompletionRequest = {
  /** `provider/model`, e.g. `openai/gpt-4o-mini`, `anthropic/claude-haiku-4-5`, `offline/hook`. */
  model: string;
  system?: string;
  prompt: string;
  maxTokens?: number;
  temperature?: number;
  /** Aborts the call (client gone, shutdown); the call rejects with LlmError code "aborted". */
  signal?: AbortSignal;
  /** Per-call deadline; the call rejects with LlmError code "timeout" (retryable). */
  timeoutMs?: number;
  /** Receives the text as it streams; the chunks concatenate to exactly the final `text`. */
  onDelta?: (text: string) => void;
  purpose?: CallPurpose;
};

export type TokenUsage = { inputTokens: number; outputTokens: number };

export type FinishReason = "stop" | "length";

/** What the provider is asked: the model name without its provider prefix. */
export type ProviderRequest = Omit<CompletionRequest, "model" | "timeoutMs"> & { model: string; signal: AbortSignal };

/** What a provider answers. */
export type ProviderCompletion = {
  text: string;
  usage: TokenUsage;
  /** The model name that actually served the call (providers may answer with a dated snapshot). */
  model: string;
  finishReason: FinishReason;
};

/**
 * One model vendor. Implementations (offline now; OpenAI and Anthropic through their SDKs later)
 * stream through `onDelta`, honour `signal`, and throw LlmError for anything that goes wrong.
 */
export interface LlmProvider {
  readonly name: string;
  complete(request: ProviderRequest): Promise<ProviderCompletion>;
}

/** What callers get back from the router. */
export type Completion = {
  text: string;
  usage: TokenUsage;
  /** Provider that served the call (`offline` when it stood in for a provider without a key). */
  provider: string;
  /** `provider/model` that served the call. */
  model: string;
  /** `provider/model` the caller asked for. */
  requestedModel: string;
  latencyMs: number;
  /** From the price table in force when the call finished; 0 for offline calls. */
  costUsd: number;
  /** Version of the price table used; null when the model is not priced. */
  priceVersion: string | null;
  finishReason: FinishReason;
  /** Why this provider served the call: "primary", "offline: no openai key configured", ... */
  reason: string;
};
