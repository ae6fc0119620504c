// The agent's patches: checked and applied with git itself, and the diff of a workspace taken the
// way git sees it, so what the agent reports is exactly what `git apply` will do for the user.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { PatchStats } from "@threads-agent/contracts";
import { git, gitEnv, gitMessage } from "./git.ts";

type Applies = { ok: true } | { ok: false; message: string };

/** `git apply --check`: proves a diff applies to the checkout before it is offered to the user. */
export async function checkPatch(repoDir: string, diff: string): Promise<Applies> {
  const result = await git(["apply", "--check", "--whitespace=nowarn", "-"], { cwd: repoDir, input: diff });
  return result.code === 0 ? { ok: true } : { ok: false, message: gitMessage(result) };
}

/** Applies a diff to the working tree (git refuses paths outside it, into .git, or beyond a symlink). */
export async function applyPatch(repoDir: string, diff: string): Promise<Applies> {
  const result = await git(["apply", "--whitespace=nowarn", "-"], { cwd: repoDir, input: diff });
  return result.code === 0 ? { ok: true } : { ok: false, message: gitMessage(result) };
}

/** Files and changed lines of a diff, as `git apply --numstat` counts them (binary files count as one line each way). */
export async function patchStats(repoDir: string, diff: string): Promise<PatchStats> {
  if (!diff.trim()) return { applies: true, files: 0, additions: 0, deletions: 0 };
  const applies = await checkPatch(repoDir, diff);
  const numstat = await git(["apply", "--numstat", "-"], { cwd: repoDir, input: diff });
  let files = 0;
  let additions = 0;
  let deletions = 0;
  for (const line of numstat.stdout.split("\n")) {
    const [added, deleted] = line.split("\t");
    if (added === undefined || deleted === undefined) continue;
    files += 1;
    additions += added === "-" ? 1 : Number(added) || 0;
    deletions += deleted === "-" ? 1 : Number(deleted) || 0;
  }
  return { applies: applies.ok, files, additions, deletions };
}

/**
 * Everything changed in the working tree against HEAD, new files included and ignored files left
 * out, as one diff `git apply` takes. Staged through a temporary index so the checkout's own index
 * is never touched.
 */
export async function workspaceDiff(repoDir: string): Promise<string> {
  const scratch = await mkdtemp(path.join(tmpdir(), "agent-index-"));
  const env = gitEnv(scratch, { GIT_INDEX_FILE: path.join(scratch, "index") });
  try {
    for (const args of [
      ["read-tree", "HEAD"],
      ["add", "-A"],
    ]) {
      const result = await git(args, { cwd: repoDir, env });
      if (result.code !== 0) throw new Error(`git ${args[0]} failed: ${gitMessage(result)}`);
    }
    const diff = await git(["diff", "--cached", "--binary", "--no-color", "--no-ext-diff", "--no-textconv", "HEAD"], { cwd: repoDir, env });
    if (diff.code !== 0) throw new Error(`git diff failed: ${gitMessage(diff)}`);
    return diff.stdout;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
