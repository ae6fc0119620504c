/** Threads rejects text posts longer than this, counted as {@link threadsLength} does. */
export const THREADS_MAX_CHARS = 500;

/**
 * How Threads counts a post toward its 500-character limit. Meta's publishing docs say "Text posts
 * are limited to 500 characters. Emojis are counted as the number of UTF-8 bytes", and point to a
 * grapheme splitter for what a character is. So:
 *
 *  - the text is split into user-perceived characters (extended grapheme clusters, UAX #29);
 *  - a cluster that is an emoji (it holds an Extended_Pictographic code point, a regional
 *    indicator of a flag, or a keycap mark) counts as its UTF-8 byte length: 🙏 is 4, ❤️ is 6
 *    (U+2764 + U+FE0F), 👍🏽 is 8, a flag is 8, 1️⃣ is 7, 👨‍👩‍👧 is 18;
 *  - every other cluster counts 1, whatever its size in bytes or UTF-16 units (é, 日, "e" plus a
 *    combining accent, a newline).
 *
 * JavaScript's `length` (UTF-16 units) undercounts emoji (🙏 is 2 there) and overcounts nothing
 * Threads cares about, so it must not be used for the limit.
 */
export function threadsLength(text: string): number {
  let length = 0;
  for (const { segment } of graphemes.segment(text)) length += isEmoji(segment) ? utf8.encode(segment).length : 1;
  return length;
}

/** Whether Threads accepts the text as one post (at most 500, counted as {@link threadsLength}). */
export function fitsThreads(text: string, limit = THREADS_MAX_CHARS): boolean {
  return threadsLength(text) <= limit;
}

// Intl.Segmenter is the platform's UAX #29 implementation: no library needed for grapheme clusters.
const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });
const utf8 = new TextEncoder();
const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u;
const isEmoji = (cluster: string) => EMOJI.test(cluster);
