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
