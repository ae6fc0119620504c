import { mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import { AGENT_EXIT, checkRepoUrl } from "@threads-agent/contracts";
import { inSpan } from "@threads-agent/observability/tracing";
import { AgentError } from "./agent-error.ts";
import { projectFacts } from "./analysis/project.ts";
import { walkRepository } from "./analysis/walk.ts";
import { cloneRepository } from "./clone.ts";
import type { AgentConfig } from "./config.ts";
import type { Emitter } from "./emitter.ts";
import { type AgentModel, chooseMode, proposeWithModel } from "./model.ts";
import { checkPatch } from "./patch-check.ts";
import { chooseProposal } from "./proposal.ts";
import type { Resolve } from "./public-host.ts";
import { unifiedDiff } from "./unified-diff.ts";

export type AgentDeps = {
  config: AgentConfig;
  emit: Emitter;
  /** The LLM layer, and which providers it has; without one the offline analysis runs. */
  model?: { client: AgentModel; providers: ReadonlySet<string> };
  resolve?: Resolve;
  signal?: AbortSignal;
};

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function repoName(repoPath: string): string {
  return (
    repoPath
      .split("/")
      .filter(Boolean)
      .pop()
      ?.replace(/\.git$/, "") || "repository"
  );
}

/** A step of the agent as a span (a no-op without tracing); a failure marks it ERROR with the exception. */
const step = <T>(name: string, attributes: Record<string, string>, fn: () => Promise<T>) => inSpan("agent", name, { attributes }, fn);

/**
 * One variation: clone, analyse, propose a change as a unified diff, report it. Returns the exit
 * code; every failure is reported as an `error` event first, in words the user can act on.
 */
export async function runAgent(deps: AgentDeps): Promise<number> {
  const { config, emit } = deps;
  let workdir: string | undefined;
  try {
    const check = checkRepoUrl(config.REPO_URL, { allowedHosts: config.REPO_HOST_ALLOWLIST, allowFile: config.ALLOW_FILE_REPOS });
    if (!check.ok) throw new AgentError("repo_refused", `repo_url refused: ${check.message}`, AGENT_EXIT.badInput);
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
    await emit.log(
      facts.languages.length
        ? `languages: ${facts.languages
            .slice(0, 8)
            .map((l) => `${l.language} ${l.lines} line${l.lines === 1 ? "" : "s"} in ${l.files} file${l.files === 1 ? "" : "s"}`)
            .join("; ")}`
        : "languages: none recognised",
    );
    const commands = Object.entries(facts.commands).filter(([, v]) => v);
    if (commands.length) await emit.log(`commands: ${commands.map(([k, v]) => `${k} \`${v}\``).join(", ")}`);

    await emit.thought("looking for TODO, FIXME, XXX and HACK markers");
    await emit.log(`${facts.todos.length} marker${facts.todos.length === 1 ? "" : "s"}${facts.todos.length ? ":" : ""}`);
    for (const todo of facts.todos.slice(0, 20))
      await emit.log(`  ${todo.path}:${todo.line} ${todo.tag}${todo.text ? ` ${todo.text}` : ""}`);
    if (facts.todos.length > 20) await emit.log(`  ... ${facts.todos.length - 20} more`);

    let summary: string;
    let diff: string;
    let usage = { tokens_in: 0, tokens_out: 0, cost_usd: 0 };
    let calls: Awaited<ReturnType<typeof proposeWithModel>>["calls"] = [];
    let servedBy = modelName;
    const client = deps.model?.client;
    if (mode.mode === "model" && client) {
      await emit.thought(`asking ${mode.model} for a plan and a patch`);
      const proposal = await step("agent.propose", { "agent.model": mode.model }, () =>
        proposeWithModel({
          model: client,
          modelId: mode.model,
          facts,
          prompt: config.AGENT_PROMPT,
          temperature: config.AGENT_TEMPERATURE,
          emit,
          ...(deps.signal ? { signal: deps.signal } : {}),
        }),
      );
      ({ summary, diff, usage, calls } = proposal);
      servedBy = proposal.model;
    } else {
      await emit.thought(`the request: ${config.AGENT_PROMPT.split("\n")[0]?.slice(0, 200)}`);
      const choice = chooseProposal(facts, {
        prompt: config.AGENT_PROMPT,
        temperature: config.AGENT_TEMPERATURE,
        variation: config.VARIATION,
        model: modelName,
      });
      if (!choice) throw new AgentError("nothing_to_propose", "the offline analysis found no change to propose for this repository");
      await emit.thought(`changes considered: ${choice.considered.map((c) => `${c.id} (fit ${c.score})`).join(", ")}`);
      await emit.thought(`proposing: ${choice.proposal.title}, because ${choice.proposal.rationale}`);
      diff = unifiedDiff(choice.proposal.edits);
      summary = `${choice.proposal.title}: ${choice.proposal.rationale}. Based on ${walk.files.length} files, ${facts.languages.length} languages and ${facts.todos.length} TODO markers.`;
    }

    const applies = await step("agent.check_patch", {}, () => checkPatch(repoDir, diff));
    if (!applies.ok) throw new AgentError("patch_does_not_apply", `the proposed patch does not apply to the checkout: ${applies.message}`);
    await emit.log("proposed change (checked with git apply --check):");
    for (const line of diff.replace(/\n$/, "").split("\n")) await emit.log(line);
    await emit.result({ summary, diff, model: servedBy, usage, calls });
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
