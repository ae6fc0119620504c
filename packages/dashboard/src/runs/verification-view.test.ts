import { describe, expect, it } from "vitest";
import { checkText, comparison, defaultBranch, verificationVerdict } from "./verification-view.ts";

const check = (
  status: "passed" | "failed" | "timed_out" | "unavailable",
  tests: { passed: number | null; failed: number } | null = null,
) => ({
  name: "test",
  command: "npm test",
  status,
  exit_code: status === "passed" ? 0 : status === "failed" ? 1 : null,
  duration_ms: 512,
  tests: tests && { format: "node-spec" as const, ...tests, skipped: 0, failing: [] },
  output_tail: "",
  output_bytes: 0,
  note: null,
});
const phase = (...checks: ReturnType<typeof check>[]) => ({ checks, duration_ms: 600, skipped: null });

describe("verificationVerdict", () => {
  it.each<[string, Parameters<typeof verificationVerdict>[0], string]>([
    [
      "every patched check passed",
      { outcome: "fixed", verification: { baseline: null, patched: phase(check("passed")), summary: null } },
      "passed",
    ],
    [
      "a patched check failed",
      { outcome: "regressed", verification: { baseline: null, patched: phase(check("failed")), summary: null } },
      "failed",
    ],
    [
      "timed out counts as failed",
      { outcome: "unchanged", verification: { baseline: null, patched: phase(check("timed_out")), summary: null } },
      "failed",
    ],
    ["no verification stored", { outcome: null, verification: null }, "not verified"],
    [
      "nothing could run",
      { outcome: "unverified", verification: { baseline: null, patched: phase(check("unavailable")), summary: null } },
      "not verified",
    ],
    [
      "no checks found",
      {
        outcome: "unverified",
        verification: { baseline: null, patched: { checks: [], duration_ms: 0, skipped: "no checks found" }, summary: null },
      },
      "not verified",
    ],
  ])("%s", (_name, v, label) => {
    expect(verificationVerdict(v).label).toBe(label);
  });
});

describe("comparison with the baseline", () => {
  it.each([
    ["fixed", "fixed"],
    ["regressed", "regressed"],
    ["unchanged", "unchanged"],
    ["passing", "still passing"],
    ["empty", "no change"],
  ])("%s reads %s", (outcome, label) => {
    expect(comparison(outcome)?.label).toBe(label);
  });
  it("nothing to compare for unverified or unknown outcomes", () => {
    expect([comparison("unverified"), comparison(null), comparison("from-a-newer-server")]).toEqual([null, null, null]);
  });
});

describe("checkText", () => {
  it("command, status with exit code, counts, duration", () => {
    expect(checkText(check("failed", { passed: 1, failed: 1 }))).toBe("npm test · failed (exit 1) · 1 passed, 1 failed · 512 ms");
    expect(checkText({ ...check("passed", { passed: null, failed: 0 }), duration_ms: 2500 })).toBe("npm test · passed · 0 failed · 2.5 s");
    expect(checkText(check("timed_out"))).toBe("npm test · timed out · 512 ms");
  });
});

it("defaultBranch takes the random tail of the run id", () => {
  expect(defaultBranch("0193a1b2-0000-7000-8000-00000000abcd", 2)).toBe("threads-agent/0000abcd-v2");
});
