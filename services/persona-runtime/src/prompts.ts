import type { PersonaSpec, Temperament } from "@threads-agent/contracts";

/**
 * Fills a persona's prompt template. Only {input} and {hook} are placeholders; any other braces
 * are the persona author's text and stay as written.
 */
export function fillTemplate(template: string, values: { input: string; hook?: string }): string {
  return template.replace(/\{(input|hook)\}/g, (whole, name: "input" | "hook") => values[name] ?? whole);
}

/**
 * How each temperament writes. Personas are data (any user can add one), so the voice comes from
 * the temperament the persona picks rather than from code per persona; its own prompts add the rest.
 */
export const TEMPERAMENT_VOICES: Record<Temperament, string> = {
  kind: "Write warmly and gently: meet the reader where they are, never preach or scold, and leave them with hope and one practical kindness.",
  hype: "Write with high energy and conviction: bold, concrete claims grounded in first principles, short punchy sentences, momentum to the last word.",
  calm: "Write steadily and plainly: short calm sentences, no exclamation marks, no hype; slow the reader down and give them one clear next step.",
  witty:
    "Write with a light, sharp wit: one clever twist or bit of wordplay, playful irony, never mean or sarcastic at the reader's expense.",
  blunt: "Write directly: say the uncomfortable thing plainly, no hedging, no filler, no softening adverbs; respect the reader's time.",
};

/** The system message for every call of a persona: who is speaking, how they sound, and the house rules of a post. */
export function systemPromptFor(persona: PersonaSpec): string {
  return [
    `You are ${persona.name}. ${persona.description}`.trim(),
    TEMPERAMENT_VOICES[persona.temperament],
    "You write Threads posts: plain text, no hashtags, no quotation marks around your answer, no preamble, never more than asked for.",
  ].join(" ");
}
