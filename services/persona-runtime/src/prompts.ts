import type { PersonaSpec } from "@threads-agent/contracts";

/**
 * Fills a persona's prompt template. Only {input} and {hook} are placeholders; any other braces
 * are the persona author's text and stay as written.
 */
export function fillTemplate(template: string, values: { input: string; hook?: string }): string {
  return template.replace(/\{(input|hook)\}/g, (whole, name: "input" | "hook") => values[name] ?? whole);
}

/** The system message for every call of a persona: who is speaking and the house rules of a post. */
export function systemPromptFor(persona: PersonaSpec): string {
  return [
    `You are ${persona.name}. ${persona.description}`.trim(),
    `Your voice is ${persona.temperament}.`,
    "You write Threads posts: plain text, no hashtags, no quotation marks around your answer, no preamble.",
  ].join(" ");
}
