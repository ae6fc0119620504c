import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "@threads-agent/observability";
import {
  type AgentBackend,
  type FollowOptions,
  LaunchRefused,
  traceEnv,
  type VariationOutcome,
  type VariationRef,
  type VariationSpec,
} from "../backend.ts";
import { OutputBuffer } from "./output-buffer.ts";

export type LocalBackendOptions = {
  /** The agent's argv for a variation (tests and the bench swap in other programs). */
  command: (spec: VariationSpec) => string[];
  /** Environment every agent gets besides its variation's settings (repo policy, keys, PATH). */
  env: Record<string, string>;
  /** Only ship workloads get these (the push credential, the commit author); variations never do. */
  shipEnv?: Record<string, string>;
  /** Scratch directories go under here, one per variation, removed afterwards. */
  workRoot: string;
  activeDeadlineSeconds: number;
  /** SIGTERM first, SIGKILL after this long. */
  killGraceMs?: number;
  logger: Logger;
};

type Stop = "cancelled" | "deadline" | "shutdown";

type LocalProcess = {
  child: ChildProcess;
  job: string;
  workdir: string;
  stop: Stop | null;
  deadline: NodeJS.Timeout;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: OutputBuffer;
};

const key = (runId: string, index: number, ship?: string) => (ship ? `ship/${ship}` : `${runId}/${index}`);

/**
 * The agent program as a child process, for development and the embedded stack. Each agent is
 * the leader of its own process group, so cancel reaches git and anything else it started. The
 * processes end with the launcher (they cannot be handed over), which `survivesRestart` says.
 */
export class LocalBackend implements AgentBackend {
  readonly name = "local";
  readonly survivesRestart = false;
  private readonly options: LocalBackendOptions;
  private readonly processes = new Map<string, LocalProcess>();

  constructor(options: LocalBackendOptions) {
    this.options = options;
  }

  async launch(spec: VariationSpec): Promise<{ job: string }> {
    const existing = this.processes.get(key(spec.runId, spec.index, spec.ship?.id));
    if (existing) return { job: existing.job };
    const workdir = path.join(this.options.workRoot, spec.runId, spec.ship ? `ship-${spec.ship.id}` : String(spec.index));
    await mkdir(workdir, { recursive: true });
    const [command, ...args] = this.options.command(spec);
    if (!command) throw new LaunchRefused("no agent command configured");
    const env: Record<string, string> = {
      ...this.options.env,
      RUN_ID: spec.runId,
      VARIATION: String(spec.index),
      REPO_URL: spec.repoUrl,
      AGENT_PROMPT: spec.prompt,
      AGENT_WORKDIR: workdir,
      ...(spec.model ? { AGENT_MODEL: spec.model } : {}),
      ...(spec.temperature !== null ? { AGENT_TEMPERATURE: String(spec.temperature) } : {}),
      ...(spec.checkCommand ? { AGENT_CHECK_COMMAND: spec.checkCommand } : {}),
      ...traceEnv(spec.trace),
      ...(spec.ship ? { ...this.options.shipEnv, AGENT_MODE: "ship", SHIP_BRANCH: spec.ship.branch, SHIP_PATCH: spec.ship.patch } : {}),
    };
    // A push needs no model, as a ship Job gets no model keys.
    if (spec.ship) for (const name of ["OPENAI_API_KEY", "ANTHROPIC_API_KEY"]) delete env[name];
    const child = spawn(command, args, { env, cwd: workdir, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on("close", (code, signal) => resolve({ code, signal }));
    });
    if (child.pid === undefined) {
      const error = await new Promise<Error>((resolve) => child.once("error", resolve));
      await rm(workdir, { recursive: true, force: true });
      throw new LaunchRefused(`cannot start the agent (${command}): ${error.message}`);
    }
    child.on("error", (err) => this.options.logger.warn({ err, run_id: spec.runId, variation: spec.index }, "agent process error"));
    const entry: LocalProcess = {
      output: new OutputBuffer([child.stdout, child.stderr]),
      child,
      job: `local:${child.pid}`,
      workdir,
      stop: null,
      exited,
      deadline: setTimeout(() => this.stop(entry, "deadline"), this.options.activeDeadlineSeconds * 1000),
    };
    entry.deadline.unref();
    this.processes.set(key(spec.runId, spec.index, spec.ship?.id), entry);
    return { job: entry.job };
  }

  private stop(entry: LocalProcess, why: Stop): void {
    entry.stop ??= why;
    const pid = entry.child.pid;
    if (pid === undefined || entry.child.exitCode !== null || entry.child.signalCode !== null) return;
    const signalGroup = (signal: NodeJS.Signals) => {
      try {
        process.kill(-pid, signal);
      } catch {
        // Already gone.
      }
    };
    signalGroup("SIGTERM");
    const kill = setTimeout(() => signalGroup("SIGKILL"), this.options.killGraceMs ?? 5000);
    kill.unref();
    void entry.exited.then(() => {
      clearTimeout(kill);
      // The leader is gone; anything it left behind in its group goes too.
      signalGroup("SIGKILL");
    });
  }

  async follow(ref: VariationRef, options: FollowOptions): Promise<VariationOutcome> {
    const entry = this.processes.get(key(ref.runId, ref.index, ref.ship));
    if (!entry) {
      return {
        status: "failed",
        kind: "platform",
        reason: "the agent process was lost when the launcher restarted (the local backend cannot reattach to processes)",
        exitCode: null,
      };
    }
    const onShutdown = () => this.stop(entry, "shutdown");
    options.signal.addEventListener("abort", onShutdown, { once: true });
    try {
      await options.onStarted();
      for (let lines = await entry.output.next(); lines !== null; lines = await entry.output.next()) {
        try {
          await options.onLines(lines, null);
        } catch (err) {
          // Output that cannot be stored must not keep running unseen.
          this.stop(entry, "shutdown");
          throw err;
        }
      }
      const { code, signal } = await entry.exited;
      return outcome(entry, code, signal, this.options.activeDeadlineSeconds);
    } finally {
      options.signal.removeEventListener("abort", onShutdown);
      clearTimeout(entry.deadline);
      this.processes.delete(key(ref.runId, ref.index, ref.ship));
      await rm(entry.workdir, { recursive: true, force: true }).catch(() => {});
    }
  }

  async cancel(runId: string): Promise<void> {
    for (const [k, entry] of this.processes) if (k.startsWith(`${runId}/`)) this.stop(entry, "cancelled");
  }

  async close(): Promise<void> {
    const entries = [...this.processes.values()];
    for (const entry of entries) this.stop(entry, "shutdown");
    await Promise.all(entries.map((e) => e.exited));
  }
}

function outcome(entry: LocalProcess, code: number | null, signal: NodeJS.Signals | null, deadlineSeconds: number): VariationOutcome {
  if (entry.stop === "cancelled") return { status: "cancelled" };
  if (entry.stop === "deadline") {
    return {
      status: "failed",
      kind: "platform",
      reason: `deadline exceeded: the variation ran longer than ${deadlineSeconds} s (AGENT_ACTIVE_DEADLINE_SECONDS)`,
      exitCode: code,
    };
  }
  if (entry.stop === "shutdown") {
    return {
      status: "failed",
      kind: "platform",
      reason: "the launcher shut down while this variation ran (local processes end with it); start a new run",
      exitCode: code,
    };
  }
  if (code === 0) return { status: "succeeded", exitCode: 0 };
  if (code !== null) return { status: "failed", kind: "exit", reason: `the agent exited with code ${code}`, exitCode: code };
  return { status: "failed", kind: "platform", reason: `the agent was killed by ${signal ?? "a signal"}`, exitCode: null };
}
