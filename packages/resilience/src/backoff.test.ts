import { describe, expect, it } from "vitest";
import { backoffDelay, retry } from "./backoff.ts";

describe("backoffDelay", () => {
  it.each([
    [1, 200],
    [2, 400],
    [3, 800],
    [6, 5000],
  ])("retry %i waits %i ms (base 200, cap 5000, no jitter)", (n, ms) => {
    expect(backoffDelay(n, { baseMs: 200, maxMs: 5000 })).toBe(ms);
  });

  it("keeps equal jitter between half and all of the exponential wait", () => {
    expect(backoffDelay(3, { baseMs: 100, jitter: "equal" }, () => 0)).toBe(200);
    expect(backoffDelay(3, { baseMs: 100, jitter: "equal" }, () => 1)).toBe(400);
  });
});

describe("retry", () => {
  it("retries until success, reporting each failure", async () => {
    const seen: number[] = [];
    const value = await retry(
      async (attempt) => {
        if (attempt < 3) throw new Error(`try ${attempt}`);
        return attempt;
      },
      { attempts: 5, baseMs: 1, onRetry: (_e, attempt) => seen.push(attempt) },
    );
    expect(value).toBe(3);
    expect(seen).toEqual([1, 2]);
  });

  it("rethrows the last error when attempts run out, and at once for a non-retryable one", async () => {
    let calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error("down");
        },
        { attempts: 3, baseMs: 1 },
      ),
    ).rejects.toThrow("down");
    expect(calls).toBe(3);
    calls = 0;
    await expect(
      retry(
        async () => {
          calls++;
          throw new Error("bad input");
        },
        { attempts: 3, baseMs: 1, retryable: () => false },
      ),
    ).rejects.toThrow("bad input");
    expect(calls).toBe(1);
  });
});
