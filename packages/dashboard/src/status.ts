// Status badges. Every status the contracts and the announced workflow (review, scheduling,
// deferral, waiting on a dependency) know gets a tone; any other status a newer server sends gets
// the neutral one with its name, never a crash or an empty badge.
import { h } from "./dom.ts";

export type Tone = "queued" | "running" | "succeeded" | "failed" | "blocked" | "cancelled" | "waiting" | "review" | "neutral";

const TONES: Record<string, Tone> = {
  queued: "queued",
  scheduled: "queued",
  running: "running",
  succeeded: "succeeded",
  failed: "failed",
  rejected: "failed",
  blocked: "blocked",
  partially_failed: "blocked",
  cancelled: "cancelled",
  waiting: "waiting",
  deferred: "waiting",
  awaiting_review: "review",
};

export const toneOf = (status: string): Tone => (Object.hasOwn(TONES, status) ? (TONES[status] as Tone) : "neutral");

export const statusLabel = (status: string) => status.replaceAll("_", " ");

export function badge(status: string): HTMLSpanElement {
  return h("span", { class: "badge", "data-tone": toneOf(status), text: statusLabel(status) });
}

export function setBadge(el: HTMLElement, status: string): void {
  el.dataset.tone = toneOf(status);
  el.textContent = statusLabel(status);
}
