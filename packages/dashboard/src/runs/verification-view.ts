// What a variation's verification says, for its card: a badge (passed / failed / not verified),
// how that compares with the unmodified checkout (fixed / regressed / unchanged ...), the score,
// and the checks with their counts and output tails. The words are pure functions (tested
// without a browser); the card parts are built with h() and textContent only.
import type { CheckResult, VerificationPhaseResult } from "@threads-agent/contracts";
import { h } from "../dom.ts";
import type { Tone } from "../status.ts";
import type { DashboardVariation } from "./run-state.ts";

export type Verdict = { label: string; tone: Tone; title: string };

/** The patched checks in one word: passed, failed, or not verified (no result, no checks, verification off, nothing ran on the baseline). */
export function verificationVerdict(v: Pick<DashboardVariation, "outcome" | "verification">): Verdict {
  const checks = v.verification?.patched?.checks ?? [];
  const ran = checks.filter((c) => c.status !== "unavailable");
  if (!v.outcome || v.outcome === "unverified" || ran.length === 0) {
    const why = v.verification?.patched?.skipped ?? v.verification?.summary?.detail ?? "no checks ran on this variation's change";
    return { label: "not verified", tone: "neutral", title: why };
  }
  if (v.outcome === "empty" || v.outcome === "not_applied")
    return { label: "not verified", tone: "neutral", title: v.verification?.summary?.detail ?? "" };
  const passed = ran.every((c) => c.status === "passed");
  return { label: passed ? "passed" : "failed", tone: passed ? "succeeded" : "failed", title: ran.map(checkText).join("\n") };
}

const COMPARISONS: Record<string, { label: string; tone: Tone }> = {
  fixed: { label: "fixed", tone: "succeeded" },
  passing: { label: "still passing", tone: "succeeded" },
  improved: { label: "improved", tone: "running" },
  unchanged: { label: "unchanged", tone: "cancelled" },
  regressed: { label: "regressed", tone: "failed" },
  empty: { label: "no change", tone: "blocked" },
  not_applied: { label: "does not apply", tone: "blocked" },
};

/** The outcome relative to the baseline in words; null when there is nothing to compare. */
export function comparison(outcome: string | null | undefined): { label: string; tone: Tone } | null {
  return outcome && Object.hasOwn(COMPARISONS, outcome) ? (COMPARISONS[outcome] as { label: string; tone: Tone }) : null;
}

const seconds = (ms: number) => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`);

/** "npm test · failed (exit 1) · 1 passed, 1 failed · 0.5 s" */
export function checkText(c: Pick<CheckResult, "command" | "status" | "exit_code" | "tests" | "duration_ms">): string {
  const status = c.status.replace("_", " ") + (c.status === "failed" && c.exit_code !== null ? ` (exit ${c.exit_code})` : "");
  const counts = c.tests
    ? [
        c.tests.passed !== null ? `${c.tests.passed} passed` : null,
        `${c.tests.failed} failed`,
        c.tests.skipped ? `${c.tests.skipped} skipped` : null,
      ]
        .filter(Boolean)
        .join(", ")
    : null;
  return [c.command, status, counts, seconds(c.duration_ms)].filter(Boolean).join(" · ");
}

/** A chip in a badge's style. */
export function chip(text: string, tone: Tone, title?: string): HTMLSpanElement {
  return h("span", { class: "badge", "data-tone": tone, text, title: title ?? null });
}

function phaseBlock(name: string, phase: VerificationPhaseResult | null | undefined): HTMLElement {
  const block = h("div", { class: "vphase" }, h("h5", { text: name }));
  if (!phase) {
    block.appendChild(h("p", { class: "muted", text: "not reported" }));
    return block;
  }
  if (phase.checks.length === 0) {
    block.appendChild(h("p", { class: "muted", text: phase.skipped ?? "no checks ran" }));
    return block;
  }
  for (const c of phase.checks) {
    block.appendChild(
      h(
        "div",
        { class: "vcheck" },
        h(
          "div",
          { class: "vcheck-line" },
          chip(c.status.replace("_", " "), c.status === "passed" ? "succeeded" : c.status === "failed" ? "failed" : "neutral"),
          h("code", { text: checkText(c) }),
        ),
        c.note ? h("p", { class: "muted", text: c.note }) : null,
        c.tests?.failing.length ? h("p", { class: "vfailing", text: `failing: ${c.tests.failing.join(", ")}` }) : null,
        c.output_tail ? h("pre", { class: "vtail", "aria-label": `Output tail of ${c.command} (${name})`, text: c.output_tail }) : null,
      ),
    );
  }
  return block;
}

/** The checks of both phases with their counts, durations and output tails (inside a <details>). */
export function verificationDetails(v: DashboardVariation): HTMLElement | null {
  const ver = v.verification;
  if (!ver || (!ver.baseline && !ver.patched)) return null;
  const summary = ver.summary;
  const head = summary
    ? `Checks: ${summary.detail}${summary.duration_ms ? ` · verification took ${seconds(summary.duration_ms)}` : ""}`
    : "Checks";
  return h(
    "details",
    { class: "vchecks" },
    h("summary", { text: head }),
    summary
      ? h("p", {
          class: "vscore-parts muted",
          text: `score ${summary.score} = checks ${summary.parts.checks} + size ${summary.parts.size} (${summary.patch.additions + summary.patch.deletions} changed lines in ${summary.patch.files} ${summary.patch.files === 1 ? "file" : "files"}) + confidence ${summary.parts.confidence}`,
        })
      : null,
    phaseBlock("With the patch", ver.patched),
    phaseBlock("Unmodified checkout (baseline)", ver.baseline),
  );
}

/** A branch name to suggest for pushing a variation: `threads-agent/<the run id's random tail>-v<index>`. */
export function defaultBranch(runId: string, index: number): string {
  // The tail of a UUIDv7 is random; its head is a timestamp that runs started together share.
  return `threads-agent/${runId.replace(/-/g, "").slice(-8)}-v${index}`;
}
