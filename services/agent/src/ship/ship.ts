// Ship mode: the chosen variation's patch becomes a new branch on the remote. Clone, refuse if
// the branch exists, apply, commit (author from env, message naming the run and variation), push
// with a lease that only lets the push create the branch.
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { AGENT_EXIT, checkRepoUrl } from "@threads-agent/contracts";
import { scrubSecrets } from "@threads-agent/llm";
import { AgentError } from "../agent-error.ts";
import { cloneRepository, explainGitError, type RemoteAuth, remoteAccess } from "../clone.ts";
import type { Emitter } from "../emitter.ts";
import { git, gitEnv } from "../git.ts";
import { checkPatch } from "../patch.ts";
import type { Resolve } from "../public-host.ts";
import type { ShipConfig } from "./ship-config.ts";

export type ShipDeps = { config: ShipConfig; emit: Emitter; resolve?: Resolve };

/** The commit message: the title, then where the change came from. */
export function commitMessage(config: Pick<ShipConfig, "RUN_ID" | "VARIATION" | "SHIP_TITLE">): string {
  const title = config.SHIP_TITLE?.split("\n")[0]?.trim() || `threads-agent: run ${config.RUN_ID}, variation ${config.VARIATION}`;
  return `${title}\n\nProposed by threads-agent run ${config.RUN_ID}, variation ${config.VARIATION}.\n`;
}

export async function runShip(deps: ShipDeps): Promise<number> {
  const { config, emit } = deps;
  const secrets = [config.SHIP_TOKEN, config.SHIP_SSH_KEY].filter((s): s is string => Boolean(s));
  let workdir: string | undefined;
  try {
    const check = checkRepoUrl(config.REPO_URL, { allowedHosts: config.REPO_HOST_ALLOWLIST, fileRoots: config.ALLOW_FILE_REPOS });
    if (!check.ok) throw new AgentError("repo_refused", `repo_url refused: ${check.message}`, AGENT_EXIT.badInput);
    const repo = check.repo;
    if (config.SHIP_TOKEN && repo.kind !== "https") {
      throw new AgentError("bad_config", `SHIP_TOKEN authenticates https pushes; ${repo.kind} URLs need SHIP_SSH_KEY`, AGENT_EXIT.badInput);
    }
    if (config.SHIP_SSH_KEY && repo.kind !== "ssh") {
      throw new AgentError("bad_config", `SHIP_SSH_KEY authenticates ssh pushes; ${repo.kind} URLs need SHIP_TOKEN`, AGENT_EXIT.badInput);
    }
    const patch =
      config.SHIP_PATCH ??
      (await readFile(config.SHIP_PATCH_FILE as string, "utf8").catch((err: NodeJS.ErrnoException) => {
        throw new AgentError("bad_config", `cannot read SHIP_PATCH_FILE: ${err.code ?? err.message}`, AGENT_EXIT.badInput);
      }));
    if (!patch.trim()) throw new AgentError("empty_patch", "the patch is empty: there is nothing to ship", AGENT_EXIT.badInput);

    workdir = await mkdtemp(path.join(config.AGENT_WORKDIR, "ship-"));
    const home = path.join(workdir, "home");
    await mkdir(home, { mode: 0o700 });
    const auth: RemoteAuth = { token: config.SHIP_TOKEN, username: config.SHIP_USERNAME };
    if (config.SHIP_SSH_KEY) {
      auth.sshKeyFile = path.join(home, "push-key");
      await writeFile(auth.sshKeyFile, config.SHIP_SSH_KEY.endsWith("\n") ? config.SHIP_SSH_KEY : `${config.SHIP_SSH_KEY}\n`, {
        mode: 0o600,
      });
      await chmod(auth.sshKeyFile, 0o600);
    }
    const ref = `refs/heads/${config.SHIP_BRANCH}`;
    const timeoutMs = config.SHIP_PUSH_TIMEOUT_SECONDS * 1000;

    // Clone first: it resolves and vets the host, and its pinned addresses serve every later call.
    const repoDir = path.join(workdir, "repo");
    await emit.log(`cloning ${repo.url}${config.SHIP_BASE ? ` at ${config.SHIP_BASE}` : ""}`);
    const cloned = await cloneRepository({
      repo,
      dir: repoDir,
      timeoutMs: config.AGENT_CLONE_TIMEOUT_SECONDS * 1000,
      maxBytes: config.AGENT_CLONE_MAX_MB * 1024 * 1024,
      branch: config.SHIP_BASE,
      auth,
      ...(deps.resolve ? { resolve: deps.resolve } : {}),
    });
    const access = remoteAccess(repo, home, cloned.pinned, auth);
    const remote = (args: string[]) =>
      git([...access.config.flatMap((c) => ["-c", c]), ...args], { cwd: repoDir, env: access.env, timeoutMs });

    const existing = await remote(["ls-remote", "--heads", "--", repo.url, ref]);
    if (existing.code !== 0)
      throw new AgentError(
        "remote_failed",
        `cannot list the remote's branches: ${scrubSecrets(explainGitError(existing.stderr), secrets)}`,
      );
    if (existing.stdout.trim()) {
      throw new AgentError(
        "branch_exists",
        `branch ${config.SHIP_BRANCH} already exists on ${repo.url}; choose another SHIP_BRANCH`,
        AGENT_EXIT.badInput,
      );
    }

    const base = (await git(["rev-parse", "--abbrev-ref", "HEAD"], { cwd: repoDir })).stdout.trim();
    const applies = await checkPatch(repoDir, patch);
    if (!applies.ok) throw new AgentError("patch_does_not_apply", `the patch does not apply to ${base}: ${applies.message}`);
    const applied = await git(["apply", "--index", "--whitespace=nowarn", "-"], { cwd: repoDir, input: patch });
    if (applied.code !== 0) throw new AgentError("patch_does_not_apply", `the patch does not apply to ${base}: ${applied.stderr.trim()}`);

    const identity = {
      GIT_AUTHOR_NAME: config.SHIP_AUTHOR_NAME,
      GIT_AUTHOR_EMAIL: config.SHIP_AUTHOR_EMAIL,
      GIT_COMMITTER_NAME: config.SHIP_AUTHOR_NAME,
      GIT_COMMITTER_EMAIL: config.SHIP_AUTHOR_EMAIL,
    };
    const committed = await git(["-c", "commit.gpgsign=false", "commit", "--quiet", "--no-verify", "-F", "-"], {
      cwd: repoDir,
      input: commitMessage(config),
      env: gitEnv(home, identity),
    });
    if (committed.code !== 0) {
      const nothing = /nothing to commit|no changes added/.test(committed.stdout + committed.stderr);
      throw new AgentError(
        nothing ? "empty_patch" : "commit_failed",
        nothing ? "the patch changes nothing: there is nothing to ship" : `git commit failed: ${committed.stderr.trim()}`,
      );
    }
    const commit = (await git(["rev-parse", "HEAD"], { cwd: repoDir })).stdout.trim();
    await emit.log(`committed ${commit.slice(0, 12)} on ${base} as ${config.SHIP_AUTHOR_NAME} <${config.SHIP_AUTHOR_EMAIL}>`);

    // An empty lease value means "the ref must not exist": the remote refuses the push if someone
    // created the branch since the check above, so an existing branch is never overwritten.
    await emit.log(`pushing ${config.SHIP_BRANCH}`);
    const pushed = await remote(["push", "--quiet", "--no-verify", `--force-with-lease=${ref}:`, "--", repo.url, `HEAD:${ref}`]);
    if (pushed.code !== 0) {
      const message = scrubSecrets(explainGitError(pushed.stderr), secrets);
      if (/stale info|already exists|\(fetch first\)|non-fast-forward/.test(pushed.stderr)) {
        throw new AgentError(
          "branch_exists",
          `branch ${config.SHIP_BRANCH} was created on ${repo.url} meanwhile; choose another SHIP_BRANCH`,
          AGENT_EXIT.badInput,
        );
      }
      throw new AgentError("push_failed", `git push failed: ${message}`);
    }
    await emit.log(`pushed ${config.SHIP_BRANCH} (${commit.slice(0, 12)}) to ${repo.url}`);
    await emit.shipped({ branch: config.SHIP_BRANCH, commit, repo_url: repo.url, base });
    return AGENT_EXIT.ok;
  } catch (err) {
    if (err instanceof AgentError) {
      await emit.error(err.code, scrubSecrets(err.message, secrets));
      return err.exitCode;
    }
    await emit.error("internal", scrubSecrets(`ship mode crashed: ${err instanceof Error ? err.message : String(err)}`, secrets));
    return AGENT_EXIT.failed;
  } finally {
    if (workdir) await rm(workdir, { recursive: true, force: true }).catch(() => {});
  }
}
