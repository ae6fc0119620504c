import type { Temperament } from "@threads-agent/contracts";
import type { AttemptReport } from "./retry.ts";

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
  /**
   * The hook style asked for (`question`, `bold_number`, ... or a persona-defined id), when writing
   * the hook. Real models read it from the prompt's `Style:` line; the offline provider from here
   * (or from that line when no purpose says it).
   */
  hookStyle?: string;
  /**
   * 0 or absent: the first draft. n > 0: the n-th redraft from a different angle (the last draft was
   * a near-duplicate of a recent post); the offline provider picks other templates for it.
   */
  angle?: number;
};

/**
 * A tool the model may call: a name (letters, digits, _ and -, at most 64: what both APIs accept),
 * what it does, and its input as a JSON Schema object. Providers translate it into their format
 * (OpenAI `tools[].function`, Anthropic `tools[].input_schema`).
 */
export type ToolDefinition = { name: string; description: string; parameters: Record<string, unknown> };

/** A tool call the model made. `inputError` is set when its arguments were not a JSON object. */
export type ToolCall = { id: string; name: string; input: Record<string, unknown>; inputError?: string };

export type ToolResult = { callId: string; name: string; content: string; isError?: boolean };

/**
 * The turns after the request's `prompt` (the first user message), in a provider-neutral form:
 * the model's answers with their tool calls, the caller's tool results, further user messages.
 * Providers translate them (OpenAI: assistant `tool_calls` and `tool` messages; Anthropic:
 * `tool_use` blocks and a user message of `tool_result` blocks).
 */
export type ConversationTurn =
  | { role: "assistant"; text: string; toolCalls: ToolCall[] }
  | { role: "tool"; results: ToolResult[] }
  | { role: "user"; text: string };

export type CompletionRequest = {
  /** `provider/model`, e.g. `openai/gpt-4o-mini`, `anthropic/claude-haiku-4-5`, `offline/hook`. */
  model: string;
  system?: string;
  prompt: string;
  maxTokens?: number;
  temperature?: number;
  /** Aborts the call (client gone, shutdown); the call rejects with LlmError code "aborted". */
  signal?: AbortSignal;
  /** Deadline of each attempt (request to last token); an attempt past it fails with LlmError "timeout". */
  timeoutMs?: number;
  /**
   * Receives the text as it streams. The chunks of one attempt concatenate to exactly the final
   * `text`; if an attempt fails after streaming and another takes over, `onRestart` comes first.
   */
  onDelta?: (text: string) => void;
  /**
   * Called when text already streamed through `onDelta` is void because a retry or the fallback
   * model starts over. Without it, a call whose stream broke after text went out fails instead of
   * repeating text the caller cannot take back.
   */
  onRestart?: (info: { reason: string; model: string }) => void;
  /**
   * Model to use when `model`'s provider cannot serve the call (5xx, timeout, 429 after the
   * retries, exhausted quota). Ignored when it is `model` itself, or when its provider has no key
   * (a real post is never silently replaced by offline text).
   */
  fallbackModel?: string | null;
  /** Per-call view of each attempt (logs with the task's ids); the router's own hook also sees them. */
  onAttempt?: (report: AttemptReport) => void;
  purpose?: CallPurpose;
  /** Turns after `prompt`: a multi-turn, tool-using conversation. */
  conversation?: ConversationTurn[];
  /** Tools the model may call; its calls come back in `toolCalls`. The offline provider never calls tools. */
  tools?: ToolDefinition[];
};

export type TokenUsage = { inputTokens: number; outputTokens: number };

/**
 * `content_filter`: the provider's safety system stopped the answer (OpenAI content_filter,
 * Anthropic refusal). `tool_use`: the model stopped to have its tool calls run (OpenAI
 * tool_calls, Anthropic tool_use).
 */
export type FinishReason = "stop" | "length" | "content_filter" | "tool_use";

/** What the provider is asked: the model name without its provider prefix. */
export type ProviderRequest = Omit<CompletionRequest, "model" | "timeoutMs" | "fallbackModel" | "onRestart" | "onAttempt"> & {
  model: string;
  signal: AbortSignal;
};

/** What a provider answers. */
export type ProviderCompletion = {
  text: string;
  usage: TokenUsage;
  /** The model name that actually served the call (providers may answer with a dated snapshot). */
  model: string;
  finishReason: FinishReason;
  /** The tool calls of the answer, in order; absent or empty when it made none. */
  toolCalls?: ToolCall[];
};

/**
 * One model vendor (offline, OpenAI, Anthropic). Implementations stream through `onDelta`, honour
 * `signal`, report the usage the vendor billed, and throw LlmError for anything that goes wrong.
 * They make one attempt: retries, deadlines and fallbacks belong to the router.
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
  /**
   * Why this model served the call: "primary", "primary after 1 retry: rate_limited (HTTP 429)",
   * "fallback: openai/gpt-4o-mini failed with provider_unavailable (HTTP 500) after 3 attempts",
   * "offline: no openai key configured".
   */
  reason: string;
  /** Attempts on the model that served (1 without retries). */
  attempts: number;
  /** `provider/model` that failed before the fallback served, when it did. */
  fallbackFrom: string | null;
  /** The model's tool calls (empty when it made none or no tools were offered). */
  toolCalls: ToolCall[];
};
