import { z } from "zod";

/**
 * Hook styles: how a post's first line grabs attention. Five are seeded; personas may define
 * their own ids, which writers that do not know them treat as "no particular style".
 */
export const HookStyleId = z
  .string({ message: "expected a hook style id like question" })
  .trim()
  .min(1, "must not be empty")
  .max(64, "at most 64 characters")
  .regex(/^[a-z][a-z0-9_]*$/, "lowercase letters, digits and underscores, starting with a letter (e.g. bold_number)");
export type HookStyleId = z.infer<typeof HookStyleId>;

export const SEEDED_HOOK_STYLE_IDS = ["question", "bold_number", "contrarian", "short_story", "how_to"] as const;
export const SeededHookStyleId = z.enum(SEEDED_HOOK_STYLE_IDS);
export type SeededHookStyleId = z.infer<typeof SeededHookStyleId>;

export type HookStyle = {
  id: SeededHookStyleId;
  name: string;
  /** One line, for people choosing or reading about styles. */
  description: string;
  /** What a model's hook prompt is told, so a real model writes the style. */
  instruction: string;
  /**
   * The surface marker a hook of this style carries. It is a contract: the Threads emulator
   * classifies published hooks by it, and the offline writer always produces it.
   */
  marker: RegExp;
};

export const HOOK_STYLES: Record<SeededHookStyleId, HookStyle> = {
  question: {
    id: "question",
    name: "Question",
    description: "Opens with a question the reader wants answered.",
    instruction: 'Write the hook as one question the reader will want answered; it must end with "?".',
    marker: /\?$/,
  },
  bold_number: {
    id: "bold_number",
    name: "Bold number",
    description: "Leads with a concrete number or percentage.",
    instruction: 'Start the hook with a concrete number or percentage, as digits (e.g. "3 ..." or "90% ...").',
    marker: /^\d[\d,.]*%?\s/,
  },
  contrarian: {
    id: "contrarian",
    name: "Contrarian",
    description: "Takes the side most people do not, to start an argument worth having.",
    instruction: 'Start the hook with "Unpopular opinion:" or "Hot take:" and state a view most people would push back on.',
    marker: /^(?:Unpopular opinion|Hot take):/,
  },
  short_story: {
    id: "short_story",
    name: "Short story",
    description: "Opens a tiny first-person story in one line.",
    instruction:
      'Open a tiny first-person story: start the hook with "Yesterday", "Last week", "Last night", "This morning" or "Years ago".',
    marker: /^(?:Yesterday|Last week|Last night|This morning|Years ago)\b/,
  },
  how_to: {
    id: "how_to",
    name: "How-to",
    description: "Promises a practical way to do something.",
    instruction: 'Start the hook with "How to" or "Here\'s how" and promise one practical result.',
    marker: /^(?:How to|Here's how)\b/,
  },
};

/** The seeded style a hook id names, or null for a persona-defined (unknown) one. */
export function seededHookStyle(id: string | null | undefined): HookStyle | null {
  const parsed = SeededHookStyleId.safeParse(id);
  return parsed.success ? HOOK_STYLES[parsed.data] : null;
}

/** The seeded styles whose marker the hook carries (none for a neutral hook). */
export function hookStyleMarkers(hook: string): SeededHookStyleId[] {
  const text = hook.trim();
  return SEEDED_HOOK_STYLE_IDS.filter((id) => HOOK_STYLES[id].marker.test(text));
}
