import { z } from "zod";

/**
 * The hook styles every persona starts with. A post's style is read back from its text by
 * {@link classifyHookStyle}, so the bandit over styles and the engagement model of fake-threads
 * agree on what a post was without storing anything extra, and an offline writer that wants a
 * style only has to follow the rules below.
 */
export const SEEDED_HOOK_STYLES = ["question", "bold_number", "contrarian", "short_story", "how_to"] as const;
export type SeededHookStyle = (typeof SEEDED_HOOK_STYLES)[number];

/** A seeded style, or `other` for a hook that follows none of the rules. */
export const HookStyle = z.enum([...SEEDED_HOOK_STYLES, "other"]);
export type HookStyle = z.infer<typeof HookStyle>;

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
export function classifyHookStyle(text: string): HookStyle {
  const hook = hookOf(text);
  if (CONTRARIAN.test(hook)) return "contrarian";
  if (SHORT_STORY.test(hook)) return "short_story";
  if (HOW_TO.test(hook)) return "how_to";
  if (BOLD_NUMBER.test(hook)) return "bold_number";
  if (hook.endsWith("?")) return "question";
  return "other";
}
