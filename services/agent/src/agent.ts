import { mkdtemp, realpath, rm } from "node:fs/promises";
import path from "node:path";
import {
  AGENT_EXIT,
  type CheckBrief,
  type CheckResult,
  checkRepoUrl,
  scoreVariation,
  underFileRoot,
  type VerificationSummary,
} from "@threads-agent/contracts";
import { inSpan } from "@threads-agent/observability/tracing";
import { AgentError } from "./agent-error.ts";
import { NON_CODE } from "./analysis/languages.ts";
import { projectFacts } from "./analysis/project.ts";
import { walkRepository } from "./analysis/walk.ts";
import { cloneRepository } from "./clone.ts";
import { type AgentConfig, verificationSetting } from "./config.ts";
import type { Emitter } from "./emitter.ts";
import { git } from "./git.ts";
import { type AgentModel, chooseMode, repositorySummary } from "./model.ts";
import { runToolLoop } from "./model-agent/tool-loop.ts";
import { checkPatch, patchStats, workspaceDiff } from "./patch.ts";
import { chooseProposal } from "./proposal.ts";
import type { Resolve } from "./public-host.ts";
import { unifiedDiff } from "./unified-diff.ts";
import { type CheckPlan, detectChecks } from "./verification/detect-checks.ts";
import { describeCheckResult, type Verification, verifyChange } from "./verification/verify.ts";

export type AgentDeps = {
  config: AgentConfig;
  emit: Emitter;
  /** The LLM layer, and which providers it has; without one the offline analysis runs. */
  model?: { client: AgentModel; providers: ReadonlySet<string> };
  resolve?: Resolve;
  signal?: AbortSignal;
};

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

function repoName(repoPath: string): string {
  return (
    repoPath
      .split("/")
      .filter(Boolean)
      .pop()
      ?.replace(/\.git$/, "") || "repository"
  );
}

const brief = (c: CheckResult): CheckBrief => ({
  name: c.name,
  command: c.command,
  status: c.status,
  exit_code: c.exit_code,
  passed: c.tests?.passed ?? null,
  failed: c.tests?.failed ?? null,
  duration_ms: c.duration_ms,
});

/** The verification event of a phase, and one readable line per check for today's log view. */
async function report(emit: Emitter, phase: "baseline" | "patched", plan: CheckPlan, verification: Verification): Promise<void> {
  const skipped =
    plan.checks.length === 0 ? plan.skipped : verification.applyError ? `the patch does not apply: ${verification.applyError}` : null;
  await emit.verification(phase, verification.checks, verification.durationMs, skipped);
  for (const check of verification.checks) {
    await emit.log(`${phase}: ${describeCheckResult(check)}`);
    if (check.tests?.failing.length) await emit.log(`  failing: ${check.tests.failing.join(", ")}`);
  }
}

/** The baseline as the model first hears of it. */
function baselineText(plan: CheckPlan, baseline: Verification): string {
  if (plan.checks.length === 0) return `Checks: none (${plan.skipped})`;
  const lines = baseline.checks.map(
    (c) => `  ${describeCheckResult(c)}${c.tests?.failing.length ? `; failing: ${c.tests.failing.join(", ")}` : ""}`,
  );
  return [`Checks on the unmodified checkout (run_check runs them on your changes):`, ...lines].join("\n");
}

/** A step of the agent as a span (a no-op without tracing); a failure marks it ERROR with the exception. */
const step = <T>(name: string, attributes: Record<string, string>, fn: () => Promise<T>) => inSpan("agent", name, { attributes }, fn);

/**
 * The URL's path is under an allowed root as written; this checks where it really is, so a
 * symbolic link inside a root cannot lead the clone to a directory outside them.
 */
async function assertRealPathUnderRoots(repoPath: string, roots: readonly string[]): Promise<void> {
  let real: string;
  try {
    real = await realpath(repoPath);
  } catch {
    return; // not there: the clone says so in its own words
  }
  const realRoots = await Promise.all(roots.map((root) => realpath(root).catch(() => root)));
  if (!underFileRoot(real, realRoots))
    throw new AgentError(
      "repo_refused",
      `repo_url refused: ${repoPath} resolves to ${real}, outside the allowed directories`,
      AGENT_EXIT.badInput,
    );
}

/**
 * One variation: clone, analyse, run the checks on the unmodified checkout (the baseline),
 * propose a change (offline analysis, or a model working through tools), run the checks again
 * with the change applied, score it against the baseline, report it. Returns the exit code; every
 * failure is reported as an `error` event first, in words the user can act on.
 */
export async function runAgent(deps: AgentDeps): Promise<number> {
  const { config, emit } = deps;
  let workdir: string | undefined;
  try {
    const check = checkRepoUrl(config.REPO_URL, { allowedHosts: config.REPO_HOST_ALLOWLIST, fileRoots: config.ALLOW_FILE_REPOS });
    if (!check.ok) throw new AgentError("repo_refused", `repo_url refused: ${check.message}`, AGENT_EXIT.badInput);
    if (check.repo.kind === "file") await assertRealPathUnderRoots(check.repo.path, config.ALLOW_FILE_REPOS);
    const mode = chooseMode(
      config.AGENT_MODEL,
      { openai: config.OPENAI_API_KEY, anthropic: config.ANTHROPIC_API_KEY },
      deps.model?.providers ?? new Set(),
    );
    const modelName = mode.mode === "model" ? mode.model : "offline";
    await emit.log(
      `variation ${config.VARIATION} · ${mode.mode === "model" ? `model ${mode.model}` : `offline analysis (${mode.why})`} · temperature ${config.AGENT_TEMPERATURE}`,
    );

    workdir = await mkdtemp(path.join(config.AGENT_WORKDIR, "agent-"));
    const repoDir = path.join(workdir, "repo");
    await emit.log(
      `cloning ${check.repo.url} (shallow, at most ${config.AGENT_CLONE_MAX_MB} MB and ${config.AGENT_CLONE_TIMEOUT_SECONDS} s)`,
    );
    const cloned = await step("agent.clone", { "vcs.repository.url.full": check.repo.url }, () =>
      cloneRepository({
        repo: check.repo,
        dir: repoDir,
        timeoutMs: config.AGENT_CLONE_TIMEOUT_SECONDS * 1000,
        maxBytes: config.AGENT_CLONE_MAX_MB * 1024 * 1024,
        ...(deps.resolve ? { resolve: deps.resolve } : {}),
      }),
    );
    await emit.log(`cloned in ${(cloned.ms / 1000).toFixed(1)} s (${mb(cloned.bytes)} on disk)`);

    await emit.thought("reading the tree to see how the project is organised");
    const walk = await step("agent.analyse", {}, () => walkRepository(repoDir));
    const facts = projectFacts(repoName(check.repo.path), walk);
    await emit.log(`${walk.files.length} files${walk.truncated ? " (stopped counting at the limit)" : ""}`);
    for (const line of facts.outline) await emit.log(`  ${line}`);
    if (walk.skippedDirs.length) await emit.log(`skipped generated or vendored directories: ${walk.skippedDirs.slice(0, 8).join(", ")}`);
    const code = facts.languages.filter((l) => !NON_CODE.has(l.language));
    const data = facts.languages.filter((l) => NON_CODE.has(l.language));
    await emit.log(
      code.length
        ? `languages (${code.length}): ${code.map((l) => `${l.language} ${plural(l.lines, "line")} in ${plural(l.files, "file")}`).join("; ")}`
        : "languages: none recognised",
    );
    if (data.length) await emit.log(`data and docs: ${data.map((l) => `${l.language} (${plural(l.files, "file")})`).join(", ")}`);
    const commands = Object.entries(facts.commands).filter(([, v]) => v);
    if (commands.length) await emit.log(`commands: ${commands.map(([k, v]) => `${k} \`${v}\``).join(", ")}`);

    await emit.thought("looking for TODO, FIXME, XXX and HACK markers in comments");
    await emit.log(`${plural(facts.todos.length, "marker")} in comments${facts.todos.length ? ":" : ""}`);
    for (const todo of facts.todos.slice(0, 20))
      await emit.log(`  ${todo.path}:${todo.line} ${todo.tag}${todo.text ? ` ${todo.text}` : ""}`);
    if (facts.todos.length > 20) await emit.log(`  ... ${facts.todos.length - 20} more`);

    // The baseline: the checks on the commit as cloned, so a patch's results can be told apart
    // from failures that were there before it.
    const setting = verificationSetting(config, check.repo.kind);
    const plan: CheckPlan = setting.on
      ? detectChecks(facts, { explicit: config.AGENT_CHECK_COMMAND })
      : { checks: [], source: "off", skipped: setting.why };
    await emit.log(
      plan.checks.length
        ? `checks (from ${plan.source}): ${plan.checks.map((c) => `${c.name} \`${c.command}\``).join(", ")}`
        : `checks: ${plan.skipped}`,
    );
    const verify = (diff: string) =>
      verifyChange({
        repoDir,
        scratchRoot: path.join(workdir as string, "checks"),
        plan,
        diff,
        timeoutMs: config.AGENT_CHECK_TIMEOUT_SECONDS * 1000,
        signal: deps.signal,
      });
    if (plan.checks.length) await emit.thought("running the checks on the unmodified checkout (the baseline)");
    const baseline = await verify("");
    await report(emit, "baseline", plan, baseline);

    let summary: string;
    let diff: string;
    let confidence: number | null;
    let usage = { tokens_in: 0, tokens_out: 0, cost_usd: 0 };
    let calls: Awaited<ReturnType<typeof runToolLoop>>["calls"] = [];
    let servedBy = modelName;
    const client = deps.model?.client;
    if (mode.mode === "model" && client) {
      await emit.thought(`${mode.model} works in the checkout with tools (at most ${config.AGENT_MAX_STEPS} steps)`);
      const loop = await step("agent.propose", { "agent.model": mode.model }, () =>
        runToolLoop({
          model: client,
          modelId: mode.model,
          prompt: `${repositorySummary(facts)}\n\n${baselineText(plan, baseline)}\n\nRequest: ${config.AGENT_PROMPT}`,
          temperature: config.AGENT_TEMPERATURE,
          emit,
          tools: { root: repoDir, plan, verify, signal: deps.signal },
          limits: {
            maxSteps: config.AGENT_MAX_STEPS,
            maxTokens: config.AGENT_MAX_TOKENS,
            timeMs: config.AGENT_TIME_LIMIT_SECONDS * 1000,
          },
          signal: deps.signal,
        }),
      );
      ({ summary, usage, calls, confidence } = loop);
      servedBy = loop.model;
      diff = await workspaceDiff(repoDir);
      if (loop.stopped) await emit.log(`stopped: ${loop.stopped}`);
      if (!diff.trim()) {
        if (loop.stopped) throw new AgentError("model_did_not_finish", `${loop.stopped}, without changing anything`);
        throw new AgentError("no_patch", `${servedBy} finished without changing anything: ${summary.split("\n")[0]}`);
      }
      // The checkout goes back to the commit, so the patch is checked and measured like any other.
      await git(["reset", "--hard", "--quiet", "HEAD"], { cwd: repoDir });
      await git(["clean", "-fdxq"], { cwd: repoDir });
    } else {
      await emit.thought(`the request: ${config.AGENT_PROMPT.split("\n")[0]?.slice(0, 200)}`);
      const choice = chooseProposal(facts, {
        prompt: config.AGENT_PROMPT,
        temperature: config.AGENT_TEMPERATURE,
        variation: config.VARIATION,
        model: modelName,
      });
      if (!choice) throw new AgentError("nothing_to_propose", "the offline analysis found no change to propose for this repository");
      await emit.thought(
        `changes considered, best fit first: ${choice.considered.map((c) => `${c.id} (fit ${c.fit.toFixed(2)})`).join(", ")}`,
      );
      await emit.thought(`proposing: ${choice.proposal.title}, because ${choice.proposal.rationale}`);
      diff = unifiedDiff(choice.proposal.edits);
      confidence = choice.confidence;
      const names = code.map((l) => l.language);
      summary = `${choice.proposal.title}: ${choice.proposal.rationale}. Based on ${plural(walk.files.length, "file")}, ${plural(code.length, "language")}${names.length ? ` (${names.join(", ")})` : ""} and ${plural(facts.todos.length, "TODO marker")} in comments.`;
    }

    const applies = await step("agent.check_patch", {}, () => checkPatch(repoDir, diff));
    if (!applies.ok) throw new AgentError("patch_does_not_apply", `the proposed patch does not apply to the checkout: ${applies.message}`);
    const stats = await patchStats(repoDir, diff);

    if (plan.checks.length) await emit.thought("running the checks again with the change applied");
    const patched = await verify(diff);
    await report(emit, "patched", plan, patched);
    const score = scoreVariation({ patch: stats, baseline: baseline.checks, patched: patched.checks, confidence });
    const verification: VerificationSummary = {
      ...score,
      patch: stats,
      confidence,
      baseline: baseline.checks.map(brief),
      patched: patched.checks.map(brief),
      duration_ms: baseline.durationMs + patched.durationMs,
    };
    await emit.log(
      `verdict: ${score.outcome}, score ${score.score} (${score.detail}; ${plural(stats.files, "file")}, +${stats.additions} −${stats.deletions}; confidence ${confidence ?? "not given"})`,
    );

    await emit.log("proposed change (checked with git apply --check):");
    for (const line of diff.replace(/\n$/, "").split("\n")) await emit.log(line);
    await emit.result({ summary, diff, model: servedBy, usage, calls, confidence, verification });
    return AGENT_EXIT.ok;
  } catch (err) {
    if (err instanceof AgentError) {
      await emit.error(err.code, err.message);
      return err.exitCode;
    }
    await emit.error("internal", `the agent crashed: ${err instanceof Error ? err.message : String(err)}`);
    return AGENT_EXIT.failed;
  } finally {
    if (workdir) await rm(workdir, { recursive: true, force: true }).catch(() => {});
  }
}
