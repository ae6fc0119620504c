import { spawn } from "node:child_process";
import { AgentError } from "./agent-error.ts";

/**
 * Settings every git command of the agent runs with, whatever the checkout's own config says: no
 * hooks (a patch or a repository cannot make git run a program), symlinks written as plain files
 * (nothing git writes can point outside the checkout), no fsmonitor daemon, no pager or colour.
 */
export const SAFE_GIT_CONFIG = [
  "core.hooksPath=/dev/null",
  "core.symlinks=false",
  "core.fsmonitor=false",
  "color.ui=false",
  "core.pager=cat",
];

/** No system or user config, no prompts, a C locale so messages can be matched. */
export function gitEnv(home: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: home,
    LANG: "C",
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    ...extra,
  };
}

export type GitResult = { code: number | null; stdout: string; stderr: string };

/** One git command with SAFE_GIT_CONFIG, bounded in time; resolves with its exit code and output (never throws on exit codes). */
export function git(
  args: string[],
  options: { cwd: string; input?: string; env?: Record<string, string>; timeoutMs?: number; home?: string },
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn("git", [...SAFE_GIT_CONFIG.flatMap((c) => ["-c", c]), ...args], {
      cwd: options.cwd,
      env: options.env ?? gitEnv(options.home ?? options.cwd),
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.setEncoding("utf8");
    child.stderr?.setEncoding("utf8");
    child.stdout?.on("data", (c: string) => (stdout += c));
    child.stderr?.on("data", (c: string) => (stderr = (stderr + c).slice(-8000)));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(
        (err as NodeJS.ErrnoException).code === "ENOENT" ? new AgentError("git_missing", "git is not installed in the agent image") : err,
      );
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (options.input !== undefined && child.stdin) child.stdin.end(options.input);
  });
}

/** git's own message for a failure, in one line. */
export function gitMessage(result: GitResult): string {
  return (
    result.stderr
      .trim()
      .split("\n")
      .map((l) => l.trim())
      .filter(Boolean)
      .slice(0, 3)
      .join("; ") || `git exited with code ${result.code}`
  );
}
