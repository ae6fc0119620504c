import { type PersonaSpec, seededHookStyle, type Temperament } from "@threads-agent/contracts";

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

/**
 * The hook prompt's last line when a style is asked for: `Style: <id>.` and, for a seeded style,
 * its instruction. Real models follow the instruction; the offline provider reads the id (see
 * packages/llm README, "Hook styles").
 */
export function styleLine(hookStyle: string, instruction?: string): string {
  const seeded = seededHookStyle(hookStyle);
  if (seeded) return `Style: ${seeded.id}. ${seeded.instruction}`;
  return instruction ? `Style: ${hookStyle}. ${instruction}` : `Style: ${hookStyle}.`;
}

/**
 * The line a redraft gets (angle > 0): the last draft was too close to a recent post of the
 * persona, so this one must take another angle. Real models read it; the offline writer reseeds.
 */
export function angleLine(avoid: string | undefined): string {
  const recent = avoid ? ` This one was too close to your recent post: "${avoid.replace(/\s+/g, " ").slice(0, 280)}"` : "";
  return `Angle: write it from a different angle than before, with other words and another example.${recent}`;
}

/** The persona's hook prompt for an input, with the style line when a style is asked for (and the angle line for a redraft). */
export function hookPromptFor(
  persona: PersonaSpec,
  input: string,
  hookStyle: string | null,
  options: { instruction?: string; angle?: number; avoid?: string } = {},
): string {
  const lines = [fillTemplate(persona.hook_prompt, { input })];
  if (options.angle) lines.push(angleLine(options.avoid));
  if (hookStyle) lines.push(styleLine(hookStyle, options.instruction));
  return lines.join("\n\n");
}
