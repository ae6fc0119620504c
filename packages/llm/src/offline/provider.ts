import { setTimeout as sleep } from "node:timers/promises";
import { LlmError } from "../errors.ts";
import { CHARS_PER_TOKEN, estimatePromptTokens, estimateTokens } from "../tokens.ts";
import type { LlmProvider, ProviderCompletion, ProviderRequest } from "../types.ts";

// Loaded on the first offline call (compromise's lexicon is ~45 MiB): a service configured with a
// real provider never loads it.
let writer: Promise<typeof import("./writer.ts")> | undefined;
const loadWriter = () => {
  writer ??= import("./writer.ts");
  return writer;
};

export type OfflineProviderOptions = {
  /** Pause between streamed words, to make demos look like a real model; 0 streams at once. */
  streamDelayMs?: number;
  /**
   * The event loop held this long per call, as CPU-bound work of that size would hold it, but
   * without using a core: a scale-out benchmark on a machine with few cores can then show two
   * instances doing twice the work of one. 0 (the default) in every real use.
   */
  holdMs?: number;
};

const held = new Int32Array(new SharedArrayBuffer(4));

/** Cuts at the last word boundary within the token budget, as a real model stops at max_tokens. */
function truncateToTokens(text: string, maxTokens: number): string {
  const maxChars = maxTokens * CHARS_PER_TOKEN;
  if (text.length <= maxChars) return text;
  const cut = text.slice(0, maxChars + 1);
  const boundary = cut.search(/\s\S*$/);
  return (boundary > 0 ? cut.slice(0, boundary) : text.slice(0, maxChars)).trimEnd();
}

/**
 * The provider used when no key is configured (or the key is `test`): writes from the call's
 * purpose instead of a model, costs nothing, and streams word by word like a real model.
 */
export function createOfflineProvider(options: OfflineProviderOptions = {}): LlmProvider {
  const delayMs = options.streamDelayMs ?? 0;
  const holdMs = options.holdMs ?? 0;
  return {
    name: "offline",
    async complete(request: ProviderRequest): Promise<ProviderCompletion> {
      const aborted = () => new LlmError("aborted", "the call was aborted", { provider: "offline", model: request.model });
      if (request.signal.aborted) throw aborted();
      const { writeOffline } = await loadWriter();
      if (holdMs > 0) Atomics.wait(held, 0, 0, holdMs);
      const full = writeOffline(request.purpose, request.prompt);
      const text = request.maxTokens === undefined ? full : truncateToTokens(full, request.maxTokens);
      // Words with their trailing space, so the deltas concatenate to exactly `text`.
      for (const word of text.match(/\s*\S+\s*/g) ?? []) {
        if (delayMs > 0) await sleep(delayMs, undefined, { signal: request.signal }).catch(() => {});
        if (request.signal.aborted) throw aborted();
        request.onDelta?.(word);
      }
      return {
        text,
        model: request.model,
        usage: { inputTokens: estimatePromptTokens(request.system, request.prompt), outputTokens: estimateTokens(text) },
        finishReason: text.length < full.length ? "length" : "stop",
      };
    },
  };
}
