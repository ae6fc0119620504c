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

// ---------------------------------------------------------------------------------------------
// Reading a published post's style back from its text: how fake-threads' audience model (and the
// bandit's bookkeeping, when a post carries no recorded style) sees a hook. It follows the same
// surface markers, leniently (any case), with a fixed precedence when several match.

export const SEEDED_HOOK_STYLES = SEEDED_HOOK_STYLE_IDS;
export type SeededHookStyle = SeededHookStyleId;

/** A seeded style, or `other` for a hook that follows none of the rules. */
export const ClassifiedHookStyle = z.enum([...SEEDED_HOOK_STYLE_IDS, "other"]);
export type ClassifiedHookStyle = z.infer<typeof ClassifiedHookStyle>;

const CONTRARIAN = /^(?:unpopular opinion|hot take)\s*:/i;
const SHORT_STORY = /^(?:yesterday|last week|last night|this morning|years ago)\b/i;
const HOW_TO = /^(?:how to|here['’]s how)\b/i;
const BOLD_NUMBER = /^\d/;
// One emoji (a grapheme cluster: ZWJ sequences, skin tones, flags, keycaps) framing the hook.
const EMOJI_CLUSTER = String.raw`(?:\p{Extended_Pictographic}|\p{Regional_Indicator}|[#*0-9]\ufe0f?\u20e3)(?:[\ufe0f\u200d\p{Emoji_Modifier}\p{Regional_Indicator}]|\p{Extended_Pictographic})*`;
const LEADING_EMOJI = new RegExp(`^${EMOJI_CLUSTER}\\s+`, "u");
const TRAILING_EMOJI = new RegExp(`\\s+${EMOJI_CLUSTER}$`, "u");

/** The hook of a post: its first line without the persona's framing emoji ("🙏 {hook} 🙏"). */
export function hookOf(text: string): string {
  const firstLine = (text.split("\n", 1)[0] ?? "").trim();
  return firstLine.replace(LEADING_EMOJI, "").replace(TRAILING_EMOJI, "").trim();
}

/**
 * The style of a post, from its hook. The first rule that matches wins, in this order:
 *
 * 1. `contrarian`: starts with "Unpopular opinion:" or "Hot take:"
 * 2. `short_story`: starts with "Yesterday", "Last week", "Last night", "This morning" or "Years ago"
 * 3. `how_to`: starts with "How to" or "Here's how"
 * 4. `bold_number`: starts with a digit ("3 habits ...", "90% of ...")
 * 5. `question`: ends with "?"
 * 6. `other`
 *
 * Matching ignores case; a leading emoji plus space and a trailing space plus emoji are stripped
 * first, so "🙏 Why do we burn out? 🙏\n\nbody" is a `question`.
 */
export function classifyHookStyle(text: string): ClassifiedHookStyle {
  const hook = hookOf(text);
  if (CONTRARIAN.test(hook)) return "contrarian";
  if (SHORT_STORY.test(hook)) return "short_story";
  if (HOW_TO.test(hook)) return "how_to";
  if (BOLD_NUMBER.test(hook)) return "bold_number";
  if (hook.endsWith("?")) return "question";
  return "other";
}
