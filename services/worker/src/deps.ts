import { TERMINAL_TASK_EVENTS } from "@threads-agent/contracts";
import { createDb, type Db, hookArmsOf, Lifecycle } from "@threads-agent/db";
import { EventLog, OutboxRelay } from "@threads-agent/events";
import { createLogger, createMetrics, type Logger, logConnectionHealth, type Metrics } from "@threads-agent/observability";
import { createThreadsClient, TokenCipher } from "@threads-agent/threads";
import { Redis } from "ioredis";
import type { WorkerConfig } from "./config.ts";
import type { InsightsSettings } from "./insights/collect.ts";
import { createWorkerMetrics } from "./metrics.ts";
import { createPersonaRuntimeClient } from "./persona-runtime-client.ts";
import type { ContentDeps } from "./processors/content.ts";
import { HookArmsCache } from "./processors/hook-arms-cache.ts";
import type { CrashPoint } from "./publishing/publish-post.ts";
import { ThreadsAccounts } from "./publishing/threads-accounts.ts";

/** Everything the worker is built from; one place builds it for main.ts, the tests and bench/. */
export type WorkerDeps = ContentDeps & {
  config: WorkerConfig;
  serviceMetrics: Metrics;
  /** BullMQ's blocking connection (maxRetriesPerRequest: null). */
  blocking: Redis;
  relay: OutboxRelay;
  insightSettings: InsightsSettings;
  close(): Promise<void>;
};

export function createDeps(config: WorkerConfig, options: { logger?: Logger; metrics?: Metrics; db?: Db } = {}): WorkerDeps {
  const logger = options.logger ?? createLogger({ service: "worker", level: config.LOG_LEVEL });
  const serviceMetrics = options.metrics ?? createMetrics("worker", { http: false });
  const db = options.db ?? createDb(config.DATABASE_URL, { poolSize: config.WORKER_CONCURRENCY + 2 });
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
  const blocking = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
  logConnectionHealth(logger, "Redis", [redis, blocking]);
  const events = new EventLog({
    redis,
    prefix: config.REDIS_PREFIX,
    maxLen: config.EVENT_STREAM_MAXLEN,
    retentionSeconds: config.EVENT_RETENTION_SECONDS,
    isTerminal: (type) => TERMINAL_TASK_EVENTS.has(type),
  });
  // Published rows are marked sent in one UPDATE per 50 ms, not one per transition.
  const relay = new OutboxRelay({
    db,
    logs: { task: events },
    logger,
    retentionSeconds: config.EVENT_RETENTION_SECONDS,
    markSentDelayMs: 50,
  });
  // One connection pool to Threads for every account: each persona's client is the same transport with its own token.
  const accounts = new ThreadsAccounts({
    db,
    createClient: (token) =>
      createThreadsClient({
        apiUrl: config.THREADS_API_URL,
        accessToken: token,
        timeoutMs: config.THREADS_TIMEOUT_MS,
        publishTimeoutMs: config.THREADS_PUBLISH_TIMEOUT_MS,
        connections: config.WORKER_CONCURRENCY + 2,
      }),
    cipher: config.TOKEN_ENCRYPTION_KEY ? TokenCipher.fromBase64(config.TOKEN_ENCRYPTION_KEY) : null,
    envToken: config.THREADS_ACCESS_TOKEN,
    envUserId: config.THREADS_USER_ID,
    logger,
  });
  const runtime = createPersonaRuntimeClient({
    baseUrls: config.PERSONA_RUNTIME_URL,
    timeoutMs: config.PERSONA_RUNTIME_TIMEOUT_MS,
    connections: config.WORKER_CONCURRENCY,
  });
  return {
    config,
    db,
    redis,
    blocking,
    prefix: config.REDIS_PREFIX,
    events,
    relay,
    lifecycle: new Lifecycle(db, relay),
    runtime,
    accounts,
    publishing: {
      publishTimeoutMs: config.THREADS_PUBLISH_TIMEOUT_MS,
      graceMs: config.THREADS_PUBLISH_GRACE_MS,
      containerPollMs: config.THREADS_CONTAINER_POLL_MS,
      containerTimeoutMs: config.THREADS_CONTAINER_TIMEOUT_MS,
      quotaRecheckMaxMs: config.THREADS_QUOTA_RECHECK_MAX_MS,
    },
    nearDuplicates: { threshold: config.NEAR_DUPLICATE_THRESHOLD, recent: config.NEAR_DUPLICATE_RECENT },
    hookArms: new HookArmsCache((personaId) => hookArmsOf(db, personaId), config.HOOK_STATS_TTL_MS),
    insightSettings: {
      scheduleMs: config.INSIGHTS_SCHEDULE,
      retryMaxMs: config.INSIGHTS_RETRY_MAX_MS,
      giveUpMs: config.INSIGHTS_GIVE_UP_MS,
    },
    ...(config.FAULT_CRASH_AT !== "none" ? { crash: crashAt(config.FAULT_CRASH_AT, logger) } : {}),
    logger,
    serviceMetrics,
    metrics: createWorkerMetrics(serviceMetrics),
    async close() {
      await relay.stop();
      await Promise.allSettled([db.$disconnect(), redis.quit(), blocking.quit(), accounts.base.close(), runtime.close()]);
    },
  };
}

/** Test only: SIGKILL at the chosen point of the next publish, as a crash there would. */
function crashAt(point: Exclude<WorkerConfig["FAULT_CRASH_AT"], "none">, logger: Logger) {
  return (reached: CrashPoint) => {
    if (reached !== point) return;
    logger.warn({ point }, "FAULT_CRASH_AT: killing this worker here");
    process.kill(process.pid, "SIGKILL");
  };
}
