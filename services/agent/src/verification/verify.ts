import { mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import type { CheckResult } from "@threads-agent/contracts";
import { git, gitMessage } from "../git.ts";
import { applyPatch } from "../patch.ts";
import type { CheckPlan } from "./detect-checks.ts";
import { runCheck } from "./run-check.ts";

export type Verification = {
  checks: CheckResult[];
  durationMs: number;
  /** Set when the diff could not be applied to a fresh checkout (then no check ran). */
  applyError: string | null;
};

export type VerifyOptions = {
  /** The agent's checkout; never modified: every run gets its own copy of HEAD. */
  repoDir: string;
  /** Where the copies go (removed afterwards). */
  scratchRoot: string;
  plan: CheckPlan;
  /** Applied to the copy first; "" for the baseline. */
  diff: string;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
};

/**
 * Runs the plan's checks on a fresh copy of the checkout's HEAD (a detached `git worktree`) with
 * `diff` applied: nothing a check writes (caches, coverage, build output) reaches the agent's
 * workspace or the next run, and the baseline sees exactly the commit the patch is made for.
 */
export async function verifyChange(options: VerifyOptions): Promise<Verification> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  if (options.plan.checks.length === 0) return { checks: [], durationMs: 0, applyError: null };
  await mkdir(options.scratchRoot, { recursive: true });
  const base = await mkdtemp(path.join(options.scratchRoot, "check-"));
  const tree = path.join(base, "tree");
  const home = path.join(base, "home");
  await mkdir(home);
  try {
    const added = await git(["worktree", "add", "--detach", "--quiet", tree, "HEAD"], { cwd: options.repoDir });
    if (added.code !== 0) throw new Error(`could not make a copy of the checkout for the checks: ${gitMessage(added)}`);
    if (options.diff.trim()) {
      const applied = await applyPatch(tree, options.diff);
      if (!applied.ok) return { checks: [], durationMs: elapsed(), applyError: applied.message };
    }
    const checks: CheckResult[] = [];
    for (const spec of options.plan.checks) {
      if (options.signal?.aborted) break;
      checks.push(await runCheck(spec, { cwd: tree, home, timeoutMs: options.timeoutMs, signal: options.signal }));
    }
    return { checks, durationMs: elapsed(), applyError: null };
  } finally {
    await git(["worktree", "remove", "--force", tree], { cwd: options.repoDir }).catch(() => undefined);
    await rm(base, { recursive: true, force: true });
    await git(["worktree", "prune"], { cwd: options.repoDir }).catch(() => undefined);
  }
}

/** One line per check, as the log shows it: "test `npm test` failed (exit 1) in 0.8 s: 1 passed, 1 failed". */
export function describeCheckResult(check: CheckResult): string {
  const t = check.tests;
  const counts = t
    ? `: ${[t.passed !== null ? `${t.passed} passed` : null, `${t.failed} failed`, t.skipped ? `${t.skipped} skipped` : null].filter(Boolean).join(", ")}`
    : "";
  const exit = check.status === "failed" && check.exit_code !== null ? ` (exit ${check.exit_code})` : "";
  const status = { passed: "passed", failed: "failed", timed_out: "timed out", unavailable: "could not run" }[check.status];
  return `${check.name} \`${check.command}\` ${status}${exit} in ${(check.duration_ms / 1000).toFixed(1)} s${counts}${check.note ? ` (${check.note})` : ""}`;
}
