import { RUN_EVENT_STREAM_MAXLEN, TERMINAL_RUN_EVENTS } from "@threads-agent/contracts";
import { createDb, type Db, Lifecycle } from "@threads-agent/db";
import { EventLog, OutboxRelay } from "@threads-agent/events";
import { createLogger, createMetrics, type Logger, logConnectionHealth, type Metrics } from "@threads-agent/observability";
import { Redis } from "ioredis";
import type { AgentBackend } from "./backends/backend.ts";
import type { LauncherConfig } from "./config.ts";
import type { LauncherDeps } from "./launcher.ts";
import { createLauncherMetrics, type LauncherMetrics } from "./metrics.ts";

/** Everything the launcher is built from; one place builds it for main.ts, the tests and bench/. */
export type AgentLauncherDeps = LauncherDeps & {
  serviceMetrics: Metrics;
  relay: OutboxRelay;
  close(): Promise<void>;
};

export type DepsOptions = {
  logger?: Logger;
  metrics?: Metrics;
  /** Built from the launcher's logger and metrics (main.ts: createBackend; tests: a local backend of theirs). */
  backend: (parts: { logger: Logger; metrics: LauncherMetrics }) => AgentBackend;
  /** Which backend `backend` builds, so its variation counters start at 0 (main.ts: AGENT_BACKEND). */
  backendName?: "local" | "kubernetes";
  db?: Db;
  dbPoolSize?: number;
};

export function createDeps(
  config: Pick<
    LauncherConfig,
    | "DATABASE_URL"
    | "REDIS_URL"
    | "REDIS_PREFIX"
    | "LOG_LEVEL"
    | "EVENT_RETENTION_SECONDS"
    | "RUN_CONCURRENCY"
    | "REPO_HOST_ALLOWLIST"
    | "ALLOW_FILE_REPOS"
    | "RUN_MAX_VARIATIONS"
  >,
  options: DepsOptions,
): AgentLauncherDeps {
  const logger = options.logger ?? createLogger({ service: "agent-launcher", level: config.LOG_LEVEL });
  const serviceMetrics = options.metrics ?? createMetrics("agent-launcher", { http: false });
  const metrics = createLauncherMetrics(serviceMetrics, options.backendName);
  const db = options.db ?? createDb(config.DATABASE_URL, { poolSize: options.dbPoolSize ?? Math.min(config.RUN_CONCURRENCY + 4, 30) });
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
  const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  logConnectionHealth(logger, "Redis", [redis, connection]);
  const events = new EventLog({
    redis,
    prefix: config.REDIS_PREFIX,
    maxLen: RUN_EVENT_STREAM_MAXLEN,
    retentionSeconds: config.EVENT_RETENTION_SECONDS,
    isTerminal: (type) => TERMINAL_RUN_EVENTS.has(type),
  });
  const relay = new OutboxRelay({ db, logs: { run: events }, logger, retentionSeconds: config.EVENT_RETENTION_SECONDS });
  const backend = options.backend({ logger, metrics });
  return {
    db,
    events,
    lifecycle: new Lifecycle(db, relay),
    relay,
    backend,
    logger,
    metrics,
    serviceMetrics,
    redis,
    connection,
    prefix: config.REDIS_PREFIX,
    repoPolicy: { allowedHosts: config.REPO_HOST_ALLOWLIST, fileRoots: config.ALLOW_FILE_REPOS },
    maxVariations: config.RUN_MAX_VARIATIONS,
    async close() {
      await backend.close();
      await relay.stop();
      await Promise.allSettled([db.$disconnect(), redis.quit(), connection.quit()]);
    },
  };
}
