// Where the stored output stops in a pod's log. With `timestamps=true` every log line starts with
// the kubelet's RFC 3339 timestamp (nanoseconds). The cursor is the last stored line's timestamp
// plus how many stored lines carry exactly that timestamp, so a resumed stream (sinceTime is
// inclusive, and may be rounded down to the second) skips precisely what was already stored.

export type LogCursor = { ts: string; nanos: bigint; sameTs: number };

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

/** Nanoseconds since the epoch, or null when `ts` is not an RFC 3339 timestamp. */
export function timestampNanos(ts: string): bigint | null {
  const match = TIMESTAMP.exec(ts);
  if (!match) return null;
  const seconds = Date.parse(`${match[1]}${match[3]}`);
  if (Number.isNaN(seconds)) return null;
  return BigInt(seconds) * 1_000_000n + BigInt((match[2] ?? "").padEnd(9, "0"));
}

export function parseCursor(text: string | null): LogCursor | null {
  if (!text) return null;
  const [ts = "", count = "0"] = text.split(" ");
  const nanos = timestampNanos(ts);
  return nanos === null ? null : { ts, nanos, sameTs: Number(count) || 0 };
}

export const formatCursor = (cursor: LogCursor | null) => (cursor ? `${cursor.ts} ${cursor.sameTs}` : null);

/** sinceTime for a resumed request: the cursor's second, rounded down (the API accepts whole seconds everywhere). */
export function sinceTime(cursor: LogCursor | null): string | undefined {
  if (!cursor) return undefined;
  return `${new Date(Number(cursor.nanos / 1_000_000n)).toISOString().slice(0, 19)}Z`;
}

/** Splits `<timestamp> <text>`; a line without a timestamp (should not happen with timestamps=true) is returned whole. */
export function splitTimestamp(line: string): { ts: string | null; nanos: bigint | null; text: string } {
  const space = line.indexOf(" ");
  const ts = space > 0 ? line.slice(0, space) : line;
  const nanos = timestampNanos(ts);
  if (nanos === null) return { ts: null, nanos: null, text: line };
  return { ts, nanos, text: space > 0 ? line.slice(space + 1) : "" };
}

/**
 * Reads timestamped lines against a cursor: `accept` says whether a line is new (and moves the
 * cursor past it). Lines must be offered in log order, as the kubelet serves them.
 */
export class CursorFilter {
  cursor: LogCursor | null;
  /** How many lines at the cursor's timestamp were seen in the current stream. */
  private seenAtCursor = 0;

  constructor(cursor: LogCursor | null) {
    this.cursor = cursor;
  }

  /** Call when a new stream starts (resume); the same-timestamp count restarts. */
  restart(): void {
    this.seenAtCursor = 0;
  }

  accept(ts: string | null, nanos: bigint | null): boolean {
    if (ts === null || nanos === null) return true;
    const cursor = this.cursor;
    if (cursor && nanos < cursor.nanos) return false;
    if (cursor && nanos === cursor.nanos) {
      this.seenAtCursor += 1;
      if (this.seenAtCursor <= cursor.sameTs) return false;
      this.cursor = { ts: cursor.ts, nanos, sameTs: cursor.sameTs + 1 };
      this.seenAtCursor = this.cursor.sameTs;
      return true;
    }
    this.cursor = { ts, nanos, sameTs: 1 };
    this.seenAtCursor = 1;
    return true;
  }
}
