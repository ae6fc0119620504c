import { THREADS_MAX_CHARS } from "@threads-agent/contracts";

/**
 * Longest hook kept. The hook is never cut when the post is assembled, so it is bounded here,
 * leaving the body most of Threads' 500 characters.
 */
export const HOOK_MAX_CHARS = 150;

/**
 * Lengths are counted in UTF-16 code units (JavaScript's `length`, and what the Post contract
 * checks): an emoji counts as two, so a post that fits here fits any per-character count too.
 */
const ELLIPSIS = "…";

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

/** Index at which to cut so a surrogate pair (an emoji, say) is never split. */
function safeCut(text: string, at: number): number {
  const code = text.charCodeAt(at - 1);
  return code >= 0xd800 && code <= 0xdbff ? at - 1 : at;
}

/** Text cut to at most `max` code units at a word boundary, with an ellipsis when something was cut. */
function cutAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = max - ELLIPSIS.length;
  const window = text.slice(0, safeCut(text, room + 1));
  const space = window.search(/\s\S*$/);
  const kept = space > room / 3 ? window.slice(0, space) : text.slice(0, safeCut(text, room));
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
 * Cuts the body to `budget`: at the last sentence end when that keeps at least half of it (a whole
 * sentence needs no ellipsis), else at the last word boundary with an ellipsis.
 */
export function trimBody(body: string, budget: number): string {
  if (body.length <= budget) return body;
  if (budget <= ELLIPSIS.length) return "";
  const window = body.slice(0, budget + 1);
  let sentenceEnd = -1;
  for (const match of window.matchAll(/[.!?…]["'”’)\]]*(?=\s|$)/gu)) {
    const end = match.index + match[0].length;
    if (end <= budget) sentenceEnd = end;
  }
  if (sentenceEnd >= budget / 2) return body.slice(0, sentenceEnd);
  return cutAtWord(body, budget);
}

export type FormattedPost = { text: string; body: string; truncated: boolean };

/**
 * `"{emoji} {hook} {emoji}\n\n{body}"`, never longer than `maxChars`. Only the body is ever
 * shortened; the hook always survives whole.
 */
export function formatPost(post: { emoji: string; hook: string; body: string }, maxChars = THREADS_MAX_CHARS): FormattedPost {
  const head = `${post.emoji} ${post.hook} ${post.emoji}`;
  const separator = "\n\n";
  const budget = maxChars - head.length - separator.length;
  if (budget < 0) throw new Error(`hook and emoji alone take ${head.length} characters; the limit is ${maxChars}`);
  const body = trimBody(post.body, budget);
  return { text: `${head}${separator}${body}`, body, truncated: body !== post.body };
}
