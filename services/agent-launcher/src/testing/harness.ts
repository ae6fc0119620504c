// Wiring for the launcher's integration tests: real PostgreSQL (the run's database), real Redis
// (a unique prefix), the real launcher, and an SSE endpoint served by the same streamEvents the
// orchestrator uses.
import { createWriteStream, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { agentRunJobOptions, newId, resolveVariations, type VariationSettings } from "@threads-agent/contracts";
import { type Db, findRun, insertRun, type Lifecycle, type RunWithVariations } from "@threads-agent/db";
import { type EventLog, type OutboxRelay, StreamHub, streamEvents } from "@threads-agent/events";
import { createLogger, createMetrics } from "@threads-agent/observability";
import { listen, testEnv } from "@threads-agent/testing";
import Fastify from "fastify";
import type { Redis } from "ioredis";
import type { AgentBackend } from "../backends/backend.ts";
import { LocalBackend } from "../backends/local/local-backend.ts";
import { configSchema, DEFAULT_AGENT_COMMAND } from "../config.ts";
import { createDeps } from "../deps.ts";
import { createLauncher, type Launcher, type LauncherOptions } from "../launcher.ts";
import type { LauncherMetrics } from "../metrics.ts";
import type { RunDeps } from "../run-execution.ts";

export type Harness = {
  db: Db;
  redis: Redis;
  events: EventLog;
  lifecycle: Lifecycle;
  relay: OutboxRelay;
  prefix: string;
  metrics: LauncherMetrics;
  readonly launcher: Launcher;
  /** A graceful launcher restart: runs are handed back, a new launcher (and backend) takes them over. */
  restartLauncher: () => Promise<void>;
  sseUrl: (runId: string) => string;
  /** Inserts a run as the orchestrator would (row first, then run.queued, then the job). */
  createRun: (input: {
    repoUrl: string;
    prompt?: string;
    variations: number | VariationSettings[];
    enqueue?: boolean;
  }) => Promise<RunWithVariations>;
  loadRun: (runId: string) => Promise<RunWithVariations>;
  /** What the orchestrator's cancel does: flag the run, then tell the launcher. */
  cancel: (runId: string) => Promise<void>;
  close: () => Promise<void>;
};

type BackendFactory = (deps: { logger: ReturnType<typeof createLogger>; metrics: LauncherMetrics }) => AgentBackend;

/**
 * An agent that never finishes by itself, for cancel tests: it starts a helper in its process
 * group (as the real agent starts git), prints `helper <pid>`, then a line every 20 ms until it is
 * killed. A real agent may finish before a cancel lands on a busy machine; this one cannot.
 */
export const HOLDING_AGENT = [
  "-e",
  [
    "const { spawn } = require('node:child_process');",
    "const helper = spawn(process.execPath, ['-e', 'setInterval(() => {}, 60000)'], { stdio: 'ignore' });",
    "console.log('helper ' + helper.pid);",
    "let n = 0;",
    "setInterval(() => console.log('working ' + n++), 20);",
  ].join("\n"),
];

/**
 * Whether a process still runs. A zombie (exited, not yet reaped: a helper orphaned into a
 * container whose PID 1 does not reap) answers signal 0 but runs nothing, so it counts as gone.
 */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.charAt(stat.lastIndexOf(")") + 2) !== "Z";
  } catch {
    // Gone between the two checks, or no /proc (macOS), where the signal check is all there is.
    return !existsSync("/proc/self/stat");
  }
}

/**
 * The local backend running the real agent program, for startHarness. Variation 1 of a prompt
 * containing "[fail-1]" runs `node <failing...>` instead: a program that fails the way a broken
 * agent would. Every variation of a prompt containing "[hold]" runs HOLDING_AGENT.
 */
export function localAgentBackend(options: { workDir: string; paceMs: number; failing: string[] }): BackendFactory {
  return ({ logger }) =>
    new LocalBackend({
      command: (spec) =>
        spec.prompt.includes("[hold]")
          ? [process.execPath, ...HOLDING_AGENT]
          : spec.index === 1 && spec.prompt.includes("[fail-1]")
            ? [process.execPath, ...options.failing]
            : DEFAULT_AGENT_COMMAND,
      env: {
        PATH: process.env.PATH ?? "",
        REPO_HOST_ALLOWLIST: "github.com",
        ALLOW_FILE_REPOS: "true",
        AGENT_PACE_MS: String(options.paceMs),
      },
      workRoot: path.join(tmpdir(), options.workDir),
      activeDeadlineSeconds: 60,
      killGraceMs: 1000,
      logger,
    });
}

export async function startHarness(options: {
  backend: BackendFactory;
  launcher?: Partial<LauncherOptions>;
  run?: Partial<Pick<RunDeps, "repoPolicy" | "maxVariations" | "output" | "launchRetry">>;
}): Promise<Harness> {
  const env = testEnv();
  // TEST_LOG_FILE=/tmp/launcher.log shows what the launcher did (vitest keeps stdout of workers).
  const logger = createLogger({
    service: "agent-launcher-test",
    level: process.env.TEST_LOG_FILE ? "debug" : "silent",
    ...(process.env.TEST_LOG_FILE ? { destination: createWriteStream(process.env.TEST_LOG_FILE, { flags: "a" }) } : {}),
  });
  const config = configSchema.parse({
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    REDIS_PREFIX: env.redisPrefix,
    EVENT_RETENTION_SECONDS: "300",
    REPO_HOST_ALLOWLIST: "github.com",
    ALLOW_FILE_REPOS: "true",
  });
  const deps = createDeps(config, { logger, metrics: createMetrics("agent-launcher"), backend: options.backend, dbPoolSize: 6 });
  const { db, redis, events, metrics } = deps;
  let backend = deps.backend;
  const makeLauncher = (b: AgentBackend) =>
    createLauncher(
      { ...deps, backend: b, launchRetry: { attempts: 2, baseMs: 50 }, ...options.run },
      { concurrency: 4, lockDurationMs: 5000, stalledIntervalMs: 2000, reconcileIntervalMs: 60_000, ...options.launcher },
    );
  let launcher = makeLauncher(backend);
  await launcher.start();

  const hub = new StreamHub({ redis });
  const app = Fastify();
  app.get<{ Params: { id: string } }>("/runs/:id/events", (request, reply) => {
    reply.hijack();
    return streamEvents({
      log: events,
      hub,
      entity: "run",
      id: request.params.id,
      response: reply.raw,
      lastEventId: request.headers["last-event-id"] as string | undefined,
      heartbeatMs: 500,
      ensure: () => deps.relay.ensure({ entity: "run", id: request.params.id }),
    });
  });
  const { url } = await listen(app);

  const loadRun = async (runId: string) => (await findRun(db, runId)) as RunWithVariations;

  return {
    db,
    redis,
    events,
    lifecycle: deps.lifecycle,
    relay: deps.relay,
    prefix: env.redisPrefix,
    metrics,
    get launcher() {
      return launcher;
    },
    async restartLauncher() {
      await launcher.close();
      await backend.close();
      backend = options.backend({ logger, metrics });
      launcher = makeLauncher(backend);
      await launcher.start();
    },
    sseUrl: (runId) => `${url}/runs/${runId}/events`,
    loadRun,
    async createRun(input) {
      const id = newId();
      const variations = resolveVariations({ variations: input.variations });
      const created = await insertRun(db, {
        id,
        repo_url: input.repoUrl,
        prompt: input.prompt ?? "document the layout for newcomers",
        trace: {},
        variations: variations.map((v) => ({ id: newId(), index: v.index, model: v.model, temperature: v.temperature })),
      });
      await deps.relay.announce([created.announcement]);
      if (input.enqueue !== false) await launcher.queue.add("run", { run_id: id }, agentRunJobOptions(id));
      return loadRun(id);
    },
    async cancel(runId) {
      await db.run.update({ where: { id: runId }, data: { cancel_requested_at: new Date() } });
      await redis.publish(`${env.redisPrefix}:runs:cancel`, runId);
    },
    async close() {
      await launcher.close();
      await backend.close();
      await app.close();
      await hub.close();
      await deps.close();
    },
  };
}
