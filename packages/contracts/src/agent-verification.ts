// What an agent variation proves about its own change: the repository's checks run on the
// unmodified checkout (the baseline) and with the patch applied, a score computed from the two,
// and a suggested winner across a run's variations. The agent produces the results (stdout
// events); the launcher, the orchestrator and the browser read them, so the shapes and the
// scoring live here, pure and shared. The formula is documented in docs/agent-runs.md.
import { z } from "zod";

/** The most failing test names a check result carries. */
export const MAX_FAILING_NAMES = 20;
/** The output tail a check result carries, in characters. */
export const MAX_OUTPUT_TAIL_CHARS = 4000;

/**
 * passed / failed: the command ran and exited 0 / non-zero. timed_out: killed at
 * AGENT_CHECK_TIMEOUT_SECONDS. unavailable: the command could not run at all (its program is not
 * installed: exit 126/127 from the shell, or the package manager is missing), which says nothing
 * about the code.
 */
export const CheckStatus = z.enum(["passed", "failed", "timed_out", "unavailable"]);
export type CheckStatus = z.infer<typeof CheckStatus>;

/** The runners whose summaries the agent parses. */
export const TestReportFormat = z.enum(["tap", "node-spec", "vitest", "jest", "pytest", "go", "cargo"]);
export type TestReportFormat = z.infer<typeof TestReportFormat>;

/** Test counts as the runner printed them; `passed`/`skipped` are null when its summary does not say (go test without -v). */
export const TestCounts = z.object({
  format: TestReportFormat,
  passed: z.number().int().min(0).nullable(),
  failed: z.number().int().min(0),
  skipped: z.number().int().min(0).nullable(),
  /** Names of failing tests as the runner printed them, at most MAX_FAILING_NAMES. */
  failing: z.array(z.string()).max(MAX_FAILING_NAMES),
});
export type TestCounts = z.infer<typeof TestCounts>;

export const CheckResult = z.object({
  /** What the check is: `test`, `lint`, or `check` for an AGENT_CHECK_COMMAND. */
  name: z.string(),
  /** The command as a user would type it (`pnpm test`, `go test ./...`). */
  command: z.string(),
  status: CheckStatus,
  exit_code: z.number().int().nullable(),
  duration_ms: z.number().min(0),
  tests: TestCounts.nullable(),
  /** The last lines of stdout and stderr, interleaved as printed; at most MAX_OUTPUT_TAIL_CHARS. */
  output_tail: z.string(),
  /** Bytes the command printed in all (only the tail is kept). */
  output_bytes: z.number().int().min(0),
  /** Why the status is what it is, when that needs words ("timed out after 300 s (AGENT_CHECK_TIMEOUT_SECONDS)"). */
  note: z.string().nullable(),
});
export type CheckResult = z.infer<typeof CheckResult>;

export const VerificationPhase = z.enum(["baseline", "patched"]);
export type VerificationPhase = z.infer<typeof VerificationPhase>;

/** The size of a patch and whether it applies to the checkout it was made for. */
export const PatchStats = z.object({
  applies: z.boolean(),
  files: z.number().int().min(0),
  additions: z.number().int().min(0),
  deletions: z.number().int().min(0),
});
export type PatchStats = z.infer<typeof PatchStats>;

/**
 * The patched checks relative to the baseline. fixed: failing before, all passing after.
 * passing: passing before and after. improved: fewer failures, none new. unchanged: the same
 * failures before and after. regressed: something that passed before fails now. unverified: no
 * check could run in both phases. empty: the patch changes nothing. not_applied: it does not apply.
 */
export const VerificationOutcome = z.enum(["fixed", "passing", "improved", "unverified", "unchanged", "regressed", "empty", "not_applied"]);
export type VerificationOutcome = z.infer<typeof VerificationOutcome>;

/** One check in a phase, without its output: what the result event and the variation row carry. */
export const CheckBrief = z.object({
  name: z.string(),
  command: z.string(),
  status: CheckStatus,
  exit_code: z.number().int().nullable(),
  passed: z.number().int().nullable(),
  failed: z.number().int().nullable(),
  duration_ms: z.number().min(0),
});
export type CheckBrief = z.infer<typeof CheckBrief>;

export const ScoreParts = z.object({
  /** The outcome's band (0-85), plus up to 14 for the share of failures an `improved` patch fixes. */
  checks: z.number(),
  /** 0-10: smaller patches score higher. */
  size: z.number(),
  /** 0-5: the agent's own confidence; 2.5 when it gave none. */
  confidence: z.number(),
});
export type ScoreParts = z.infer<typeof ScoreParts>;

/** What the agent reports about its change in the `result` event. */
export const VerificationSummary = z.object({
  outcome: VerificationOutcome,
  /** 0-100; see scoreVariation(). */
  score: z.number().int().min(0).max(100),
  parts: ScoreParts,
  /** The comparison in words: "test: failed (1 of 2 failing) → passed (2 passed)". */
  detail: z.string(),
  patch: PatchStats,
  /** The agent's own confidence in its change, 0-1; null when it gave none. */
  confidence: z.number().min(0).max(1).nullable(),
  baseline: z.array(CheckBrief),
  patched: z.array(CheckBrief),
  /** Wall time verification added to the variation (both phases, checkout copies included). */
  duration_ms: z.number().min(0),
});
export type VerificationSummary = z.infer<typeof VerificationSummary>;

// ---------------------------------------------------------------------------------------------
// Scoring

/** What scoring reads of a check: its status and, where parsed, its test counts. */
export type CheckOutcomeInput = Pick<CheckResult, "name" | "status"> & {
  tests?: Pick<TestCounts, "failed" | "passed" | "failing"> | null;
};

export type ScoreInput = {
  patch: PatchStats;
  /** Checks on the unmodified checkout; null or empty when none were detected or run. */
  baseline: readonly CheckOutcomeInput[] | null;
  patched: readonly CheckOutcomeInput[] | null;
  /** 0-1, or null when the agent did not say. */
  confidence: number | null;
};

export type VariationScore = { score: number; outcome: VerificationOutcome; parts: ScoreParts; detail: string };

/**
 * The band each outcome's score starts at. The size and confidence parts add at most 15, and
 * every band is at least 15 above the next, so the outcome always decides first: a patch that
 * makes the failing checks pass outranks one that only reduces failures, whatever their sizes.
 */
export const OUTCOME_BANDS: Record<VerificationOutcome, number> = {
  fixed: 85,
  passing: 70,
  improved: 55,
  unverified: 40,
  unchanged: 25,
  regressed: 0,
  empty: 0,
  not_applied: 0,
};

const round1 = (n: number) => Math.round(n * 10) / 10;

/** Failures a check counts: its failing tests where the runner said, else 1 for a failed or timed-out run. */
function failures(check: CheckOutcomeInput): number {
  if (check.status === "passed") return 0;
  const failed = check.tests?.failed ?? 0;
  return failed > 0 ? failed : 1;
}

function describeCheck(check: CheckOutcomeInput): string {
  const t = check.tests;
  switch (check.status) {
    case "passed":
      return t?.passed ? `passed (${t.passed} passed)` : "passed";
    case "failed":
      if (t && t.failed > 0) return `failed (${t.passed !== null ? `${t.failed} of ${t.failed + t.passed}` : t.failed} failing)`;
      return "failed";
    case "timed_out":
      return "timed out";
    case "unavailable":
      return "could not run";
  }
}

/** Names are only comparable when each phase listed every failing test. */
const completeNames = (check: CheckOutcomeInput) =>
  check.tests && check.tests.failing.length === check.tests.failed ? new Set(check.tests.failing) : null;

/**
 * Scores a variation from its verification relative to the baseline, the patch applying, its size
 * and the agent's confidence: `band(outcome) + improvement + size + confidence`, rounded, 0-100.
 *
 * - band: OUTCOME_BANDS. Checks are matched by name; one that could not run on the baseline is
 *   left out, one that ran on the baseline but cannot run with the patch counts as failing.
 * - improvement (`improved` only): 14 × the share of the baseline's failures the patch fixes.
 * - size: 10 × 100 / (100 + changed lines): 9.9 for a one-line change, 5 at 100 lines, 0.9 at 1,000.
 * - confidence: 5 × the agent's confidence (0-1), 2.5 when it gave none.
 * - A patch that does not apply or changes nothing scores 0.
 */
export function scoreVariation(input: ScoreInput): VariationScore {
  const lines = input.patch.additions + input.patch.deletions;
  if (!input.patch.applies) {
    return { score: 0, outcome: "not_applied", parts: { checks: 0, size: 0, confidence: 0 }, detail: "the patch does not apply" };
  }
  if (input.patch.files === 0 || lines === 0) {
    return { score: 0, outcome: "empty", parts: { checks: 0, size: 0, confidence: 0 }, detail: "the patch changes nothing" };
  }
  const size = round1((10 * 100) / (100 + lines));
  const confidence = round1(input.confidence === null ? 2.5 : 5 * Math.min(1, Math.max(0, input.confidence)));

  const before = new Map((input.baseline ?? []).map((c) => [c.name, c]));
  const pairs = (input.patched ?? [])
    .map((after) => ({ after, before: before.get(after.name) }))
    // A check that could not run before says nothing; one that ran before and cannot run with the
    // patch (it deleted the program the check needs) counts as failing.
    .filter(
      (p): p is { after: CheckOutcomeInput; before: CheckOutcomeInput } => p.before !== undefined && p.before.status !== "unavailable",
    );

  let outcome: VerificationOutcome;
  let improvement = 0;
  let detail: string;
  if (pairs.length === 0) {
    outcome = "unverified";
    const ran = [...(input.baseline ?? []), ...(input.patched ?? [])];
    detail = ran.length ? "no check could run on the unmodified checkout" : "no checks were found to run";
  } else {
    const failingBefore = pairs.reduce((n, p) => n + failures(p.before), 0);
    const failingAfter = pairs.reduce((n, p) => n + failures(p.after), 0);
    const regressed = pairs.some((p) => {
      if (p.before.status === "passed") return p.after.status !== "passed";
      if (failures(p.after) > failures(p.before)) return true;
      const was = completeNames(p.before);
      const now = completeNames(p.after);
      return was !== null && now !== null && [...now].some((name) => !was.has(name));
    });
    if (failingAfter === 0) outcome = failingBefore === 0 ? "passing" : "fixed";
    else if (regressed) outcome = "regressed";
    else if (failingAfter < failingBefore) {
      outcome = "improved";
      improvement = round1((14 * (failingBefore - failingAfter)) / failingBefore);
    } else outcome = "unchanged";
    detail = pairs.map((p) => `${p.after.name}: ${describeCheck(p.before)} → ${describeCheck(p.after)}`).join("; ");
  }
  const checks = OUTCOME_BANDS[outcome] + improvement;
  const score = Math.max(0, Math.min(100, Math.round(checks + size + confidence)));
  return { score, outcome, parts: { checks, size, confidence }, detail };
}

// ---------------------------------------------------------------------------------------------
// The suggested winner

/** A variation as suggestWinner() sees it: its verification, or null when it produced no change. */
export type WinnerCandidate = {
  variation: number;
  verification: Pick<VerificationSummary, "score" | "outcome" | "detail" | "patch" | "confidence"> | null;
};

/** Outcomes worth recommending: the rest made things worse or changed nothing. */
const RECOMMENDABLE: ReadonlySet<VerificationOutcome> = new Set(["fixed", "passing", "improved", "unverified", "unchanged"]);

const LEADS: Record<string, (count: number) => string> = {
  fixed: (n) =>
    n === 1
      ? "the only variation whose patch makes the failing checks pass"
      : `the best of ${n} variations whose patch makes the failing checks pass`,
  passing: (n) =>
    n === 1 ? "the only variation that keeps every check passing" : `the best of ${n} variations that keep every check passing`,
  improved: (n) =>
    n === 1
      ? "no variation makes every check pass; this is the only one that reduces the failures without breaking anything"
      : `no variation makes every check pass; the best of ${n} that reduce the failures without breaking anything`,
  unverified: () => "no check could verify the variations; chosen by patch size and the agent's confidence",
  unchanged: () => "no variation changes the check results; chosen by patch size and the agent's confidence",
};

const changed = (p: PatchStats) => p.additions + p.deletions;

/** Why `best` beat `next` of the same outcome, in words. */
function edge(
  best: NonNullable<WinnerCandidate["verification"]>,
  next: WinnerCandidate & { verification: NonNullable<WinnerCandidate["verification"]> },
) {
  const v = next.verification;
  const reasons: string[] = [];
  if (changed(best.patch) < changed(v.patch))
    reasons.push(`a smaller patch (${changed(best.patch)} changed lines against ${changed(v.patch)})`);
  if ((best.confidence ?? 0.5) > (v.confidence ?? 0.5))
    reasons.push(`higher confidence (${best.confidence ?? "none"} against ${v.confidence ?? "none"})`);
  if (best.outcome === "improved" && best.score > v.score && reasons.length === 0) reasons.push("it fixes more of the failures");
  return reasons.length
    ? `${reasons.join(" and ")} than variation ${next.variation}`
    : `tied with variation ${next.variation}; the earlier one`;
}

/**
 * The variation to suggest, and why in words, or null when none is worth suggesting (no result,
 * or every patch broke something, changed nothing or did not apply). Highest score first, then the
 * smaller patch, then the lower index, so the same results always give the same suggestion.
 */
export function suggestWinner(variations: readonly WinnerCandidate[]): { variation: number; reason: string } | null {
  const ranked = variations
    .filter(
      (v): v is WinnerCandidate & { verification: NonNullable<WinnerCandidate["verification"]> } =>
        v.verification !== null && RECOMMENDABLE.has(v.verification.outcome),
    )
    .sort(
      (a, b) =>
        b.verification.score - a.verification.score ||
        changed(a.verification.patch) - changed(b.verification.patch) ||
        a.variation - b.variation,
    );
  const best = ranked[0];
  if (!best) return null;
  const same = ranked.filter((v) => v.verification.outcome === best.verification.outcome);
  const lead = (LEADS[best.verification.outcome] as (n: number) => string)(same.length);
  const runnerUp = same[1];
  const why = runnerUp ? `; ${edge(best.verification, runnerUp)}` : "";
  return { variation: best.variation, reason: `${lead} (${best.verification.detail})${why}` };
}
