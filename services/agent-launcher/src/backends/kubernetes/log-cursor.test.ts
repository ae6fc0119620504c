import { describe, expect, it } from "vitest";
import { CursorFilter, formatCursor, parseCursor, sinceTime, splitTimestamp, timestampNanos } from "./log-cursor.ts";

describe("log cursor", () => {
  it("reads kubelet timestamps to the nanosecond, with trailing zeros trimmed or not", () => {
    expect(timestampNanos("2026-11-21T10:00:00.123456789Z")).toBe(1_795_255_200_123_456_789n);
    expect(timestampNanos("2026-11-21T10:00:00.1Z")).toBe(1_795_255_200_100_000_000n);
    expect(timestampNanos("2026-11-21T10:00:00Z")).toBe(1_795_255_200_000_000_000n);
    expect(timestampNanos("2026-11-21T11:00:00+01:00")).toBe(1_795_255_200_000_000_000n);
    expect(timestampNanos("not a time")).toBeNull();
  });

  it("splits a timestamped line and keeps text with spaces intact", () => {
    expect(splitTimestamp("2026-11-21T10:00:00.5Z hello  world ")).toMatchObject({ ts: "2026-11-21T10:00:00.5Z", text: "hello  world " });
    expect(splitTimestamp("2026-11-21T10:00:00.5Z ")).toMatchObject({ text: "" });
    expect(splitTimestamp("no timestamp here")).toEqual({ ts: null, nanos: null, text: "no timestamp here" });
  });

  it("resumes from the cursor's second and skips exactly what was stored, including same-timestamp lines", () => {
    const t1 = "2026-11-21T10:00:00.100Z";
    const t2 = "2026-11-21T10:00:00.200Z";
    const t3 = "2026-11-21T10:00:01.000000001Z";
    const log = [t1, t2, t2, t2, t3];
    // First stream: stored t1, t2, t2 then the stream dropped.
    const first = new CursorFilter(null);
    expect(log.slice(0, 3).map((ts) => first.accept(ts, timestampNanos(ts)))).toEqual([true, true, true]);
    const stored = formatCursor(first.cursor);
    expect(stored).toBe(`${t2} 2`);
    expect(sinceTime(parseCursor(stored))).toBe("2026-11-21T10:00:00Z");

    // Resume: the API sends everything from that second again.
    const resumed = new CursorFilter(parseCursor(stored));
    resumed.restart();
    expect(log.map((ts) => resumed.accept(ts, timestampNanos(ts)))).toEqual([false, false, false, true, true]);
    expect(formatCursor(resumed.cursor)).toBe(`${t3} 1`);
  });

  it("a second resume after a same-timestamp line counts from the updated cursor", () => {
    const t = "2026-11-21T10:00:00.5Z";
    const filter = new CursorFilter(parseCursor(`${t} 1`));
    filter.restart();
    expect([t, t, t].map((ts) => filter.accept(ts, timestampNanos(ts)))).toEqual([false, true, true]);
    expect(formatCursor(filter.cursor)).toBe(`${t} 3`);
    filter.restart();
    expect([t, t, t, t].map((ts) => filter.accept(ts, timestampNanos(ts)))).toEqual([false, false, false, true]);
  });
});
