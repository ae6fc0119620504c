// CPU time of the processes of a benchmark's stack, from /proc (Linux): each service, the
// PostgreSQL backends serving the benchmark's database, and a Redis server of the benchmark's own
// (the shared one also serves every other client on the machine, so its CPU says nothing).
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import { freePort } from "@threads-agent/stack";
import { Redis } from "ioredis";
import pg from "pg";

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** User + system CPU milliseconds of one process so far (0 for a process that is gone). */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** Resident memory of one process in MiB (VmRSS). */
export function rssMiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** The PostgreSQL backends connected to `database` (one process each). */
export async function postgresBackends(adminUrl: string, database: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number }>(
      "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
      [database],
    );
    return rows.map((r) => r.pid);
  } finally {
    await client.end();
  }
}

/** The machine's load average (1, 5, 15 min): the machine is shared, so every figure is printed next to it. */
export const loadAverage = () => os.loadavg().map((n) => Math.round(n * 100) / 100) as [number, number, number];

export type OwnRedis = { url: string; pid: number; stop(): Promise<void> };

/** A redis-server of the benchmark's own on a free loopback port, without persistence. */
export async function startOwnRedis(options: { maxclients?: number } = {}): Promise<OwnRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--maxclients",
      String(options.maxclients ?? 10_000),
    ],
    { stdio: "ignore" },
  );
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on("error", () => {});
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      break;
    } catch {
      probe.disconnect();
      if (Date.now() > deadline || child.exitCode !== null) throw new Error("could not start redis-server for the benchmark");
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    pid: child.pid as number,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** CPU meter over a set of processes: `start()` then `stop()` gives milliseconds per process name. */
export class CpuMeter {
  #start = new Map<string, Map<number, number>>();
  #pids: () => Promise<Record<string, number[]>>;

  constructor(pids: () => Promise<Record<string, number[]>>) {
    this.#pids = pids;
  }

  async start(): Promise<void> {
    this.#start.clear();
    for (const [name, pids] of Object.entries(await this.#pids())) this.#start.set(name, new Map(pids.map((pid) => [pid, cpuMs(pid)])));
  }

  /** Milliseconds of CPU per process name since start (processes that appeared since count from 0). */
  async stop(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const [name, pids] of Object.entries(await this.#pids())) {
      const before = this.#start.get(name) ?? new Map<number, number>();
      out[name] = pids.reduce((sum, pid) => sum + cpuMs(pid) - (before.get(pid) ?? 0), 0);
    }
    return out;
  }
}
