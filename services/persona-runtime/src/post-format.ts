import { fitsThreads, THREADS_MAX_CHARS, threadsLength } from "@threads-agent/contracts";

/**
 * Longest hook kept. The hook is never cut when the post is assembled, so it is bounded here,
 * leaving the body most of Threads' 500 characters.
 */
export const HOOK_MAX_CHARS = 150;

/**
 * Every length here is counted as Threads counts it (`threadsLength`, what the Post contract and
 * Threads itself check): a character is a grapheme cluster and counts 1, an emoji counts its UTF-8
 * bytes (🙏 is 4). `String.length` would count 🙏 as 2 and let emoji-rich posts over the limit.
 * Cuts happen between grapheme clusters, so no emoji or accented letter is ever split.
 */
const ELLIPSIS = "…";

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** The longest prefix of whole grapheme clusters whose threadsLength is at most `max`. */
function prefixWithin(text: string, max: number): string {
  let used = 0;
  let end = 0;
  for (const { segment, index } of graphemes.segment(text)) {
    used += threadsLength(segment);
    if (used > max) break;
    end = index + segment.length;
  }
  return text.slice(0, end);
}

const WRAPPING_QUOTES: [string, string][] = [
  ['"', '"'],
  ["'", "'"],
  ["“", "”"],
  ["‘", "’"],
  ["«", "»"],
  ["**", "**"],
  ["*", "*"],
];

function unwrap(text: string): string {
  let out = text.trim();
  for (let changed = true; changed; ) {
    changed = false;
    for (const [open, close] of WRAPPING_QUOTES) {
      if (out.length > open.length + close.length && out.startsWith(open) && out.endsWith(close)) {
        const inner = out.slice(open.length, out.length - close.length);
        // Only a pair that wraps the whole text: '"A" and "B"' is not wrapped.
        if (!inner.includes(close)) {
          out = inner.trim();
          changed = true;
        }
      }
    }
  }
  return out;
}

/** Text cut to at most `max` (as Threads counts) at a word boundary, with an ellipsis when something was cut. */
function cutAtWord(text: string, max: number): string {
  if (threadsLength(text) <= max) return text;
  const room = max - threadsLength(ELLIPSIS);
  // One character more than fits: a whitespace there means the last word fits whole.
  const window = prefixWithin(text, room + 1);
  const space = window.search(/\s\S*$/);
  const kept = space >= 0 && threadsLength(window.slice(0, space)) > room / 3 ? window.slice(0, space) : prefixWithin(text, room);
  return kept.replace(/[\s,;:.!?…—–-]+$/u, "") + ELLIPSIS;
}

/**
 * The hook as it will be posted: the first line of what the model wrote, without labels, wrapping
 * quotes or the persona's emoji (the post adds those), at most HOOK_MAX_CHARS.
 */
export function cleanHook(raw: string, emoji: string): string {
  const firstLine = raw.split(/\r?\n/).find((line) => line.trim()) ?? "";
  let hook = unwrap(firstLine.replace(/^\s*(?:hook|opening line|title)\s*[:\-–—]\s*/i, ""));
  if (emoji) {
    while (hook.startsWith(emoji)) hook = hook.slice(emoji.length).trim();
    while (hook.endsWith(emoji)) hook = hook.slice(0, -emoji.length).trim();
  }
  return cutAtWord(unwrap(hook).replace(/\s+/g, " "), HOOK_MAX_CHARS);
}

/** The body as it will be posted: no label or wrapping quotes, no repeat of the hook, tidy line breaks. */
export function cleanBody(raw: string, hook: string): string {
  let body = unwrap(raw.replace(/\r\n?/g, "\n").replace(/^\s*body\s*[:\-–—]\s*/i, ""));
  // Asked to "continue the post that opens with <hook>", models often start by repeating it.
  if (hook && body.startsWith(hook)) body = body.slice(hook.length).replace(/^[\s.!?:—–-]+/, "");
  return body
    .split("\n")
    .map((line) => line.replace(/[ \t]+/g, " ").trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/**
 * Cuts the body to `budget` (as Threads counts): at the last sentence end when that keeps at least
 * half of it (a whole sentence needs no ellipsis), else at the last word boundary with an ellipsis.
 */
export function trimBody(body: string, budget: number): string {
  if (threadsLength(body) <= budget) return body;
  if (budget <= threadsLength(ELLIPSIS)) return "";
  const window = prefixWithin(body, budget + 1);
  let sentenceEnd = -1;
  for (const match of window.matchAll(/[.!?…]["'”’)\]]*(?=\s|$)/gu)) {
    const end = match.index + match[0].length;
    if (threadsLength(body.slice(0, end)) <= budget) sentenceEnd = end;
  }
  if (sentenceEnd >= 0 && threadsLength(body.slice(0, sentenceEnd)) >= budget / 2) return body.slice(0, sentenceEnd);
  return cutAtWord(body, budget);
}

export type FormattedPost = { text: string; body: string; truncated: boolean };

/**
 * `"{emoji} {hook} {emoji}\n\n{body}"`, never longer than `maxChars` as Threads counts it. Only
 * the body is ever shortened; the hook always survives whole.
 */
export function formatPost(post: { emoji: string; hook: string; body: string }, maxChars = THREADS_MAX_CHARS): FormattedPost {
  const head = `${post.emoji} ${post.hook} ${post.emoji}`;
  const separator = "\n\n";
  let budget = maxChars - threadsLength(head) - threadsLength(separator);
  if (budget < 0)
    throw new Error(`hook and emoji alone take ${threadsLength(head)} characters as Threads counts them; the limit is ${maxChars}`);
  for (;;) {
    const body = trimBody(post.body, budget);
    const text = `${head}${separator}${body}`;
    // The parts' counts add up to the whole's (a line break ends every grapheme cluster), so this
    // holds at once; the loop only guards against a cluster that joins across a cut.
    if (fitsThreads(text, maxChars) || budget === 0) return { text, body, truncated: body !== post.body };
    budget--;
  }
}
