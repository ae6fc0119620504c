/** Rough characters per token for English text with GPT/Claude tokenizers. */
export const CHARS_PER_TOKEN = 4;

/**
 * Token estimate used wherever a provider reports no usage (the offline provider, aborted
 * streams). Every caller uses this one function so estimates add up the same way everywhere.
 */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / CHARS_PER_TOKEN);
}

/** Input tokens of a prompt: the system message and the user prompt, as one request. */
export function estimatePromptTokens(system: string | undefined, prompt: string): number {
  return estimateTokens(system ? `${system}\n\n${prompt}` : prompt);
}

/** Input tokens of a whole conversation: the prompt plus every later turn's text, tool calls and results. */
export function estimateConversationTokens(
  system: string | undefined,
  prompt: string,
  conversation: readonly import("./types.ts").ConversationTurn[] = [],
): number {
  const turns = conversation
    .map((turn) =>
      turn.role === "tool"
        ? turn.results.map((r) => r.content).join("\n")
        : turn.role === "assistant"
          ? `${turn.text}\n${turn.toolCalls.map((c) => `${c.name} ${JSON.stringify(c.input)}`).join("\n")}`
          : turn.text,
    )
    .join("\n\n");
  return estimatePromptTokens(system, turns ? `${prompt}\n\n${turns}` : prompt);
}
