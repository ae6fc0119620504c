// Times, durations and names as the panels show them.

export function ago(iso: string, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (s < 5) return "just now";
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`;
  return new Date(iso).toLocaleDateString();
}

/** hh:mm:ss.mmm in local time, for event logs. */
export function clock(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number, width = 2) => String(n).padStart(width, "0");
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/** A local date and time for a future or past moment (publish_at, deferred until). */
export function when(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function duration(fromIso: string | null, toIso: string | null, now = Date.now()): string {
  if (!fromIso) return "";
  const s = Math.round(((toIso ? new Date(toIso).getTime() : now) - new Date(fromIso).getTime()) / 100) / 10;
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** owner/repo from any git URL form (https, ssh, scp-like, file). */
export function repoName(url: string): string {
  const parts = url
    .replace(/[.]git$/, "")
    .split(/[/:]/)
    .filter(Boolean);
  return parts.slice(-2).join("/") || url;
}

export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** An Idempotency-Key. randomUUID exists only in secure contexts (https, localhost); plain-http deployments get the fallback. */
export function newKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Threads' limit on a text post. */
export const THREADS_MAX_CHARS = 500;

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });
const utf8 = new TextEncoder();
const EMOJI = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u;

/**
 * A post's length as Threads counts it: a character per grapheme cluster, an emoji as its UTF-8
 * bytes. The same rule as contracts' threadsLength, which the browser bundle cannot import (it takes
 * only types from contracts); format.test.ts holds the two to the same answers.
 */
export function threadsCount(text: string): number {
  let length = 0;
  for (const { segment } of graphemes.segment(text)) length += EMOJI.test(segment) ? utf8.encode(segment).length : 1;
  return length;
}
