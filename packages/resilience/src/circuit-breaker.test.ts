import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type BreakerChange, CircuitBreaker } from "./circuit-breaker.ts";

let changes: BreakerChange[];
const breaker = (threshold = 3) =>
  new CircuitBreaker({
    name: "persona-runtime",
    failureThreshold: threshold,
    openMs: 1000,
    maxOpenMs: 3000,
    onChange: (c) => changes.push(c),
  });

beforeEach(() => {
  changes = [];
  vi.useFakeTimers({ now: new Date("2026-12-14T10:00:00.000Z") });
});
afterEach(() => vi.useRealTimers());

describe("CircuitBreaker", () => {
  it("opens after the threshold of consecutive failures, not before", () => {
    const b = breaker();
    b.failure("ECONNREFUSED");
    b.failure("ECONNREFUSED");
    expect(b.state).toBe("closed");
    b.failure("ECONNREFUSED");
    expect(b.state).toBe("open");
    expect(b.retryAt?.toISOString()).toBe("2026-12-14T10:00:01.000Z");
    expect(changes).toEqual([
      {
        name: "persona-runtime",
        from: "closed",
        to: "open",
        failures: 3,
        retryAt: new Date("2026-12-14T10:00:01.000Z"),
        reason: "ECONNREFUSED",
      },
    ]);
  });

  it("counts only consecutive failures: a success in between starts over", () => {
    const b = breaker();
    b.failure("x");
    b.failure("x");
    b.success();
    b.failure("x");
    b.failure("x");
    expect(b.state).toBe("closed");
    expect(changes).toEqual([]);
  });

  it("goes half-open when the open period ends, and a successful probe closes it", () => {
    const b = breaker(1);
    b.failure("down");
    vi.advanceTimersByTime(999);
    expect(b.state).toBe("open");
    vi.advanceTimersByTime(1);
    expect(b.state).toBe("half_open");
    expect(b.retryAt).toBeNull();
    b.success();
    expect(b.state).toBe("closed");
    expect(changes.map((c) => `${c.from}>${c.to}`)).toEqual(["closed>open", "open>half_open", "half_open>closed"]);
    expect(b.snapshot()).toEqual({ state: "closed", failures: 0, retry_at: null, last_error: null });
  });

  it("reopens on a failed probe for twice as long, up to maxOpenMs, and starts over once closed", () => {
    const b = breaker(1);
    const periods: number[] = [];
    const openFor = () => {
      const at = b.retryAt;
      if (!at) throw new Error("not open");
      periods.push(at.getTime() - Date.now());
      vi.advanceTimersByTime(at.getTime() - Date.now());
      expect(b.state).toBe("half_open");
    };
    b.failure("down");
    openFor();
    b.failure("still down");
    openFor();
    b.failure("still down");
    openFor();
    b.failure("still down");
    openFor();
    expect(periods).toEqual([1000, 2000, 3000, 3000]);
    b.success();
    b.failure("down again");
    expect(b.retryAt?.getTime()).toBe(Date.now() + 1000);
  });

  it("ignores late outcomes while open (work that started before it opened): only a probe decides", () => {
    const b = breaker(1);
    b.failure("down");
    const retryAt = b.retryAt;
    b.failure("late");
    b.success();
    expect(b.state).toBe("open");
    expect(b.retryAt).toEqual(retryAt);
    expect(changes).toHaveLength(1);
    expect(b.snapshot()).toMatchObject({ state: "open", last_error: "late" });
  });

  it("refuses settings that cannot work", () => {
    expect(() => new CircuitBreaker({ name: "x", failureThreshold: 0, openMs: 1, maxOpenMs: 1 })).toThrow(/failureThreshold/);
    expect(() => new CircuitBreaker({ name: "x", failureThreshold: 1, openMs: 10, maxOpenMs: 5 })).toThrow(/openMs/);
  });

  it("stops its timer on dispose", () => {
    const b = breaker(1);
    b.failure("down");
    b.dispose();
    vi.advanceTimersByTime(10_000);
    expect(b.state).toBe("open");
  });
});
