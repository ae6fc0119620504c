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
