import { spawn } from "node:child_process";
import { lstat, readdir } from "node:fs/promises";
import path from "node:path";
import type { RepoUrl } from "@threads-agent/contracts";
import { AgentError } from "./agent-error.ts";
import { type Resolve, resolvePublicHost } from "./public-host.ts";

export type CloneOptions = {
  repo: RepoUrl;
  /** Must not exist yet. */
  dir: string;
  timeoutMs: number;
  maxBytes: number;
  resolve?: Resolve;
  /** How often the checkout's size is measured while git runs. */
  sizeCheckMs?: number;
  /** Clone this branch instead of the remote's default. */
  branch?: string | undefined;
  auth?: RemoteAuth;
};

export type CloneResult = { ms: number; bytes: number; pinned: string[] };

/** Total size of regular files under `dir`, stopping early once past `limit`. Symlinks are not followed. */
export async function directorySize(dir: string, limit = Number.POSITIVE_INFINITY): Promise<number> {
  let total = 0;
  const stack = [dir];
  while (stack.length && total <= limit) {
    const current = stack.pop() as string;
    let entries: import("node:fs").Dirent[];
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      continue; // git is still writing; the next pass sees it.
    }
    for (const entry of entries) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else if (entry.isFile()) total += (await lstat(full).catch(() => ({ size: 0 }))).size;
    }
  }
  return total;
}

/** How git reaches a remote with push credentials, which only ever travel in the environment (never argv or the URL). */
export type RemoteAuth = { token?: string | undefined; username?: string | undefined; sshKeyFile?: string | undefined };

/**
 * git's config and environment for talking to `repo` and nothing else: the protocols the URL
 * needs (no ext::, no file:// unless it is a file URL), no prompts, no system or user config, and
 * the host's vetted addresses pinned for https. Credentials, when given, reach git through a
 * credential helper that reads them from its environment, so they never appear in a command
 * line, a URL, the repository's config or git's messages.
 */
export function remoteAccess(
  repo: RepoUrl,
  home: string,
  pinned: string[] = [],
  auth: RemoteAuth = {},
): { config: string[]; env: Record<string, string> } {
  const config = [`protocol.allow=never`, `protocol.${repo.kind}.allow=always`];
  if (repo.kind === "https" && repo.host && pinned.length) {
    const port = repo.port ?? 443;
    config.push(`http.curloptResolve=${repo.host}:${port}:${pinned.map((a) => (a.includes(":") ? `[${a}]` : a)).join(",")}`);
  }
  const ssh = ["ssh", "-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=accept-new", "-o", "ConnectTimeout=15"];
  if (auth.sshKeyFile) ssh.push("-o", "IdentitiesOnly=yes", "-i", auth.sshKeyFile);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    LANG: "C",
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_LFS_SKIP_SMUDGE: "1",
    GIT_ALLOW_PROTOCOL: repo.kind,
    // No agent forwarding, no prompts, no ProxyCommand from any config: the URL cannot smuggle one in.
    GIT_SSH_COMMAND: ssh.join(" "),
  };
  if (auth.token) {
    // The helper is config from the environment (GIT_CONFIG_*), the secret a variable it reads.
    Object.assign(env, {
      GIT_CONFIG_COUNT: "2",
      GIT_CONFIG_KEY_0: "credential.helper",
      GIT_CONFIG_VALUE_0: "",
      GIT_CONFIG_KEY_1: "credential.helper",
      GIT_CONFIG_VALUE_1: `!f() { test "$1" = get && printf 'username=%s\\npassword=%s\\n' "$TA_PUSH_USERNAME" "$TA_PUSH_TOKEN"; }; f`,
      TA_PUSH_USERNAME: auth.username ?? "x-access-token",
      TA_PUSH_TOKEN: auth.token,
    });
  }
  return { config, env };
}

/**
 * git's arguments and environment for a clone that can only do what we mean: remoteAccess(),
 * symlinks checked out as plain files (the analysis never leaves the checkout), no hooks, and
 * `--` before the URL so it can never be read as an option.
 */
export function cloneCommand(
  repo: RepoUrl,
  dir: string,
  pinned: string[] = [],
  options: { branch?: string | undefined; auth?: RemoteAuth } = {},
): { args: string[]; env: Record<string, string> } {
  const access = remoteAccess(repo, path.dirname(dir), pinned, options.auth);
  const config = [
    ...access.config,
    "core.symlinks=false",
    "core.hooksPath=/dev/null",
    "submodule.recurse=false",
    "advice.detachedHead=false",
  ];
  const args = [
    ...config.flatMap((c) => ["-c", c]),
    "clone",
    "--depth",
    "1",
    "--single-branch",
    "--no-tags",
    "--quiet",
    ...(options.branch ? ["--branch", options.branch] : []),
    "--",
    repo.url,
    dir,
  ];
  return { args, env: access.env };
}

/** Shallow clone bounded in time and size; the error messages say what to do about a failure. */
export async function cloneRepository(options: CloneOptions): Promise<CloneResult> {
  const started = performance.now();
  const pinned = options.repo.host ? await resolvePublicHost(options.repo.host, options.resolve) : [];
  const { args, env } = cloneCommand(options.repo, options.dir, pinned, {
    branch: options.branch,
    ...(options.auth ? { auth: options.auth } : {}),
  });
  const child = spawn("git", args, { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });

  let stopped: AgentError | undefined;
  const stop = (error: AgentError) => {
    stopped ??= error;
    child.kill("SIGKILL");
  };
  const timer = setTimeout(
    () =>
      stop(
        new AgentError(
          "clone_timeout",
          `the clone did not finish within ${Math.round(options.timeoutMs / 1000)} s; try a smaller repository`,
        ),
      ),
    options.timeoutMs,
  );
  const mb = Math.round(options.maxBytes / 1024 / 1024);
  const sizeCheck = setInterval(async () => {
    if ((await directorySize(options.dir, options.maxBytes)) > options.maxBytes) {
      stop(new AgentError("repo_too_large", `the repository is larger than ${mb} MB (AGENT_CLONE_MAX_MB); try a smaller repository`));
    }
  }, options.sizeCheckMs ?? 500);

  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on("error", (err) =>
        reject(
          (err as NodeJS.ErrnoException).code === "ENOENT" ? new AgentError("git_missing", "git is not installed in the agent image") : err,
        ),
      );
      child.on("close", (exitCode) => resolve(exitCode));
    });
    if (stopped) throw stopped;
    if (code !== 0) throw new AgentError("clone_failed", `git clone failed: ${explainGitError(stderr)}`);
  } finally {
    clearTimeout(timer);
    clearInterval(sizeCheck);
  }
  const bytes = await directorySize(options.dir);
  if (bytes > options.maxBytes) {
    throw new AgentError("repo_too_large", `the repository is larger than ${mb} MB (AGENT_CLONE_MAX_MB); try a smaller repository`);
  }
  return { ms: Math.round(performance.now() - started), bytes, pinned };
}

export function explainGitError(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  const fatal = lines.filter((l) => l.startsWith("fatal:")).pop() ?? lines.pop() ?? "no output";
  if (/not found|does not appear to be a git repository|Repository not found/i.test(stderr)) {
    return `${fatal} (is the URL right, and the repository public?)`;
  }
  if (/Authentication failed|could not read Username|Permission denied \(publickey\)/i.test(stderr)) {
    return `${fatal} (the repository needs credentials; only public repositories are supported)`;
  }
  return fatal;
}
