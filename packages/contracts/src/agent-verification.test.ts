import { describe, expect, it } from "vitest";
import { AgentEvent } from "./agent-protocol.ts";
import {
  type CheckOutcomeInput,
  OUTCOME_BANDS,
  type PatchStats,
  scoreVariation,
  suggestWinner,
  type WinnerCandidate,
} from "./agent-verification.ts";

const patch = (additions: number, deletions = 0, files = 1): PatchStats => ({ applies: true, files, additions, deletions });
const check = (status: CheckOutcomeInput["status"], failed?: number, passed?: number, failing?: string[]): CheckOutcomeInput => ({
  name: "test",
  status,
  tests: failed === undefined ? null : { failed, passed: passed ?? null, failing: failing ?? [] },
});
const lint = (status: CheckOutcomeInput["status"]): CheckOutcomeInput => ({ name: "lint", status, tests: null });

describe("scoreVariation", () => {
  it.each([
    // name, baseline, patched, patch, confidence, outcome, score
    ["fixes the failing test", [check("failed", 1, 1, ["a"])], [check("passed", 0, 2)], patch(2, 1), 0.9, "fixed", 99],
    ["fixes it with a big patch and no confidence", [check("failed", 1, 1)], [check("passed", 0, 2)], patch(900, 100), 0, "fixed", 86],
    [
      "keeps passing checks passing",
      [check("passed", 0, 3), lint("passed")],
      [check("passed", 0, 3), lint("passed")],
      patch(10),
      0.5,
      "passing",
      82,
    ],
    [
      "breaks a passing check",
      [check("passed", 0, 3), lint("passed")],
      [check("passed", 0, 3), lint("failed")],
      patch(3),
      1,
      "regressed",
      15,
    ],
    ["fixes one test and breaks another", [check("failed", 1, 1, ["a"])], [check("failed", 1, 1, ["b"])], patch(3), 1, "regressed", 15],
    ["fixes some of the failures", [check("failed", 4, 0)], [check("failed", 1, 3)], patch(5), 0.5, "improved", 78],
    ["changes nothing the checks see", [check("failed", 1, 1, ["a"])], [check("failed", 1, 1, ["a"])], patch(4), 0.5, "unchanged", 37],
    ["adds failures without names", [check("failed", 1, 2)], [check("failed", 2, 1)], patch(4), 0.5, "regressed", 12],
    ["times out where it passed", [check("passed", 0, 2)], [check("timed_out")], patch(4), 0.5, "regressed", 12],
    ["has no checks", [], [], patch(4), null, "unverified", 52],
    ["has only checks that cannot run", [check("unavailable")], [check("unavailable")], patch(4), 0.5, "unverified", 52],
    ["makes a check that ran unrunnable", [check("passed", 0, 2)], [check("unavailable")], patch(4), 0.5, "regressed", 12],
    [
      "ignores a check that never could run",
      [check("failed", 1, 1), lint("unavailable")],
      [check("passed", 0, 2), lint("unavailable")],
      patch(4),
      0.5,
      "fixed",
      97,
    ],
  ] as const)("%s: %s, %i", (_name, baseline, patched, p, confidence, outcome, score) => {
    const result = scoreVariation({ patch: p, baseline, patched, confidence });
    expect(result.outcome).toBe(outcome);
    expect(result.score).toBe(score);
    expect(result.score).toBeGreaterThanOrEqual(OUTCOME_BANDS[outcome]);
  });

  it("scores a patch that does not apply or changes nothing 0", () => {
    expect(scoreVariation({ patch: { ...patch(3), applies: false }, baseline: [], patched: [], confidence: 1 })).toMatchObject({
      score: 0,
      outcome: "not_applied",
    });
    expect(scoreVariation({ patch: patch(0, 0, 0), baseline: [], patched: [], confidence: 1 })).toMatchObject({
      score: 0,
      outcome: "empty",
    });
  });

  it("lets the outcome decide before size and confidence: the worst fix beats the best improvement", () => {
    const worstFix = scoreVariation({ patch: patch(100_000), baseline: [check("failed", 9)], patched: [check("passed")], confidence: 0 });
    const bestImprovement = scoreVariation({
      patch: patch(1),
      baseline: [check("failed", 100)],
      patched: [check("failed", 1)],
      confidence: 1,
    });
    const bestUnchanged = scoreVariation({ patch: patch(1), baseline: [check("failed", 1)], patched: [check("failed", 1)], confidence: 1 });
    const bestRegression = scoreVariation({ patch: patch(1), baseline: [check("passed")], patched: [check("failed")], confidence: 1 });
    expect(worstFix.score).toBeGreaterThan(bestImprovement.score);
    expect(bestImprovement.score).toBeLessThan(OUTCOME_BANDS.fixed);
    expect(bestUnchanged.score).toBeLessThan(OUTCOME_BANDS.improved);
    expect(bestRegression.score).toBeLessThan(OUTCOME_BANDS.unchanged);
  });

  it("says what changed in words", () => {
    const { detail } = scoreVariation({
      patch: patch(2),
      baseline: [check("failed", 1, 1), lint("passed")],
      patched: [check("passed", 0, 2), lint("passed")],
      confidence: null,
    });
    expect(detail).toBe("test: failed (1 of 2 failing) → passed (2 passed); lint: passed → passed");
  });
});

const candidate = (
  variation: number,
  baseline: CheckOutcomeInput[],
  patched: CheckOutcomeInput[],
  p: PatchStats,
  confidence: number | null,
): WinnerCandidate => ({
  variation,
  verification: { ...scoreVariation({ patch: p, baseline, patched, confidence }), patch: p, confidence },
});

describe("suggestWinner", () => {
  const failing = [check("failed", 1, 1, ["adds"])];

  it("picks the only variation that makes the failing test pass, and says so", () => {
    const winner = suggestWinner([
      candidate(0, failing, [check("failed", 2, 0, ["adds", "greets"])], patch(2), 0.8),
      candidate(1, failing, [check("passed", 0, 2)], patch(3), 0.6),
      candidate(2, failing, failing, patch(1), 0.9),
    ]);
    expect(winner).toEqual({
      variation: 1,
      reason: "the only variation whose patch makes the failing checks pass (test: failed (1 of 2 failing) → passed (2 passed))",
    });
  });

  it("among equal outcomes prefers the smaller patch and says by how much", () => {
    const winner = suggestWinner([
      candidate(0, failing, [check("passed", 0, 2)], patch(60), 0.7),
      candidate(1, failing, [check("passed", 0, 2)], patch(4), 0.7),
    ]);
    expect(winner?.variation).toBe(1);
    expect(winner?.reason).toMatch(
      /^the best of 2 variations whose patch makes the failing checks pass .*; a smaller patch \(4 changed lines against 60\) than variation 0$/,
    );
  });

  it("breaks exact ties by the lower index", () => {
    const same = (i: number) => candidate(i, [], [], patch(5), 0.5);
    expect(suggestWinner([same(2), same(1)])).toEqual({
      variation: 1,
      reason:
        "no check could verify the variations; chosen by patch size and the agent's confidence (no checks were found to run); tied with variation 2; the earlier one",
    });
  });

  it.each([
    ["no variations", []],
    ["only failed variations", [{ variation: 0, verification: null }]],
    [
      "only regressions and empty patches",
      [candidate(0, [check("passed")], [check("failed")], patch(1), 1), candidate(1, [], [], patch(0, 0, 0), 1)],
    ],
  ] as const)("suggests nothing for %s", (_name, variations) => {
    expect(suggestWinner(variations)).toBeNull();
  });
});

describe("the verification events", () => {
  it("parses a verification event and a result carrying its summary; older results without one still parse", () => {
    const base = { variation: 0, seq: 3, ts: "2026-12-01T10:00:00.000Z" };
    const checkResult = {
      name: "test",
      command: "npm test",
      status: "failed",
      exit_code: 1,
      duration_ms: 812,
      tests: { format: "node-spec", passed: 1, failed: 1, skipped: 0, failing: ["adds"] },
      output_tail: "ℹ fail 1",
      output_bytes: 512,
      note: null,
    };
    expect(
      AgentEvent.parse({ ...base, type: "verification", phase: "baseline", checks: [checkResult], duration_ms: 900, skipped: null }),
    ).toMatchObject({
      type: "verification",
      phase: "baseline",
    });
    const result = {
      ...base,
      type: "result",
      summary: "s",
      diff: "d",
      model: "offline",
      usage: { tokens_in: 0, tokens_out: 0, cost_usd: 0 },
    };
    expect(AgentEvent.parse(result)).not.toHaveProperty("verification");
    expect(() => AgentEvent.parse({ ...base, type: "verification", phase: "later", checks: [], duration_ms: 0, skipped: null })).toThrow(
      /phase/,
    );
  });
});
