import { spawn } from "node:child_process";
import path from "node:path";
import { type CheckResult, MAX_OUTPUT_TAIL_CHARS } from "@threads-agent/contracts";
import type { CheckSpec } from "./detect-checks.ts";
import { parseTestReport, stripAnsi } from "./test-report.ts";

/** How much of a check's output is kept for parsing its summary (the summary is at the end). */
const PARSE_WINDOW_BYTES = 1024 * 1024;
const TAIL_LINES = 40;
/** Largest file a check may write (`ulimit -f`, in 512-byte blocks for dash and bash alike: 512 MiB). */
const MAX_FILE_BLOCKS = 1024 * 1024;
const KILL_GRACE_MS = 2000;

/** The last bytes of a stream, bounded however much arrives. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  total = 0;
  private readonly limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  push(chunk: Buffer) {
    this.total += chunk.length;
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.limit) this.size -= (this.chunks.shift() as Buffer).length;
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString("utf8");
  }
}

/**
 * What a check runs with: nothing of the agent's own environment (no model keys, no push
 * credentials), a scratch HOME, no colours, and every ecosystem told it is offline, so a check
 * fails fast instead of hanging on a registry it cannot reach.
 */
export function checkEnv(home: string, pathVar = process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin"): Record<string, string> {
  return {
    // The node running the agent first, then PATH without any node_modules/.bin (present when the
    // agent was started through pnpm): the repository's checks must use its tools, not this platform's.
    PATH: [path.dirname(process.execPath), ...pathVar.split(":").filter((dir) => dir && !/(^|\/)node_modules(\/|$)/.test(dir))].join(":"),
    HOME: home,
    TMPDIR: home,
    LANG: "C.UTF-8",
    CI: "true",
    NO_COLOR: "1",
    FORCE_COLOR: "0",
    TERM: "dumb",
    GOPROXY: "off",
    GOTOOLCHAIN: "local",
    CARGO_NET_OFFLINE: "true",
    PIP_NO_INDEX: "1",
    PYTHONDONTWRITEBYTECODE: "1",
    npm_config_offline: "true",
    npm_config_update_notifier: "false",
  };
}

export type RunCheckOptions = {
  cwd: string;
  home: string;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
};

/**
 * Runs one check with `sh -c` as the leader of its own process group, so a timeout or a cancel
 * kills everything it started (SIGTERM, SIGKILL two seconds later), and whatever it left running
 * after it exited is killed too. Output is read continuously and only its tail is kept.
 */
export function runCheck(spec: CheckSpec, options: RunCheckOptions): Promise<CheckResult> {
  const started = performance.now();
  const output = new TailBuffer(PARSE_WINDOW_BYTES);
  // No core dumps, no runaway files, lower priority than the agent itself.
  const script = `ulimit -c 0 2>/dev/null; ulimit -f ${MAX_FILE_BLOCKS} 2>/dev/null; ${spec.shell}`;
  const child = spawn("nice", ["-n", "10", "sh", "-c", script], {
    cwd: options.cwd,
    env: checkEnv(options.home),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (c: Buffer) => output.push(c));
  child.stderr.on("data", (c: Buffer) => output.push(c));

  let stopped: "timeout" | "aborted" | null = null;
  const signalGroup = (signal: NodeJS.Signals) => {
    if (child.pid === undefined) return;
    try {
      process.kill(-child.pid, signal);
    } catch {
      // The group is gone.
    }
  };
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (why: "timeout" | "aborted") => {
    stopped ??= why;
    signalGroup("SIGTERM");
    killTimer ??= setTimeout(() => signalGroup("SIGKILL"), KILL_GRACE_MS);
  };
  const timer = setTimeout(() => stop("timeout"), options.timeoutMs);
  const onAbort = () => stop("aborted");
  options.signal?.addEventListener("abort", onAbort, { once: true });
  // Background processes a test left behind would hold the pipes open: once the leader exits, they go.
  child.once("exit", () => signalGroup("SIGKILL"));

  return new Promise((resolve) => {
    const finish = (exitCode: number | null, exitSignal: NodeJS.Signals | null, spawnError?: Error) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      options.signal?.removeEventListener("abort", onAbort);
      const text = stripAnsi(output.text());
      const tests = parseTestReport(text);
      const tail = text.replace(/\s+$/, "").split("\n").slice(-TAIL_LINES).join("\n").slice(-MAX_OUTPUT_TAIL_CHARS);
      let status: CheckResult["status"];
      let note: string | null = spec.note;
      const add = (words: string) => (note = note ? `${note}; ${words}` : words);
      if (spawnError) {
        status = "unavailable";
        add(`could not start: ${spawnError.message}`);
      } else if (stopped === "timeout") {
        status = "timed_out";
        add(`timed out after ${Math.round(options.timeoutMs / 1000)} s (AGENT_CHECK_TIMEOUT_SECONDS); its processes were killed`);
      } else if (stopped === "aborted") {
        status = "failed";
        add("stopped: the agent was cancelled");
      } else if (exitCode === 0) {
        status = "passed";
      } else if (exitCode === 126 || exitCode === 127) {
        // The shell's "not found" / "not executable": the check cannot run here, which says nothing about the code.
        status = "unavailable";
        // dash: "sh: 1: vitest: not found"; bash: "bash: vitest: command not found".
        const missing = /^[^:\n]+: (?:\d+: )?([^\s:]+): (?:command )?not found/m.exec(text)?.[1];
        add(
          missing
            ? `${missing} is not installed in the agent image, or it is one of the repository's dependencies, which the agent does not install`
            : `exit ${exitCode}: a program the check needs is missing`,
        );
      } else {
        status = "failed";
        if (exitSignal) add(`killed by ${exitSignal}`);
      }
      resolve({
        name: spec.name,
        command: spec.command,
        status,
        exit_code: exitCode,
        duration_ms: Math.round(performance.now() - started),
        tests,
        output_tail: tail,
        output_bytes: output.total,
        note,
      });
    };
    child.once("error", (err) => finish(null, null, err));
    child.once("close", (code, signal) => finish(code, signal));
  });
}
