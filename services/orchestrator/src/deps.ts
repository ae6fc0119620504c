import { QUEUES, RUN_EVENT_STREAM_MAXLEN, TERMINAL_RUN_EVENTS, TERMINAL_TASK_EVENTS } from "@threads-agent/contracts";
import { createDb, type Db, Lifecycle } from "@threads-agent/db";
import { EventLog, OutboxRelay, StreamHub } from "@threads-agent/events";
import { createLogger, createMetrics, type Logger, logErrors, type Metrics } from "@threads-agent/observability";
import { createThreadsClient, type ThreadsClient, TokenCipher } from "@threads-agent/threads";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Config } from "./config.ts";
import { createRedis, waitUntilReady } from "./redis.ts";
import { createRunQueue, createShipQueue, type RunQueue, type ShipQueue } from "./runs/run-queue.ts";
import { createGuardrailClient, type GuardrailClient } from "./schedules/guardrail-client.ts";
import { createPersonaSchedules, type PersonaSchedules } from "./schedules/persona-schedules.ts";
import { type ContentJobPolicy, type ContentQueue, createContentQueue } from "./tasks/task-queue.ts";
import { createTrendPoller, type TrendPoller } from "./trends/trend-poller.ts";

/** Everything the orchestrator is built from; one place builds it for main.ts, the tests and bench/. */
export type OrchestratorDeps = {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  db: Db;
  /** Shared, non-blocking connection (no offline queue): requests, queues, idempotency keys, relay. */
  redis: Redis;
  taskQueue: ContentQueue;
  runQueue: RunQueue;
  /** Pushes of run winners (the agent-launcher runs the agent's ship mode). */
  shipQueue: ShipQueue;
  /** The work queues by name, as GET /v1/queues and the queue_jobs metric (the autoscalers' signal) report them. */
  workQueues: readonly { name: string; queue: Queue }[];
  taskEvents: EventLog;
  runEvents: EventLog;
  /** The one blocking reader of every event stream SSE clients follow (one Redis connection per process). */
  streamHub: StreamHub;
  /** Publishes this process's outbox rows, and anyone's that were left unsent. */
  relay: OutboxRelay;
  /** Every status change goes through here (state machines + outbox). */
  lifecycle: Lifecycle;
  jobs: ContentJobPolicy;
  /** The Threads API with a given token: linking an account checks the token with `GET /me`. */
  threadsWithToken(token: string): ThreadsClient;
  /** Encrypts linked accounts' tokens; null when TOKEN_ENCRYPTION_KEY is not set (linking is refused). */
  tokenCipher: TokenCipher | null;
  /** Trend feeds: polls (one source now, or all on the schedule; main.ts starts the schedule). */
  trends: TrendPoller;
  /** Persona posting schedules (a BullMQ job scheduler each; main.ts starts the worker). */
  schedules: PersonaSchedules;
  /** persona-runtime's guardrail, for a reviewer's edited text. */
  guardrail: GuardrailClient;
  close(): Promise<void>;
};

export type DepsOptions = {
  logger?: Logger;
  metrics?: Metrics;
  /** How long to wait for Redis at start; null starts without waiting (tests of outages). */
  waitForRedisMs?: number | null;
  dbPoolSize?: number;
};

export async function createDeps(config: Config, options: DepsOptions = {}): Promise<OrchestratorDeps> {
  const logger = options.logger ?? createLogger({ service: "orchestrator", level: config.LOG_LEVEL });
  const metrics = options.metrics ?? createMetrics("orchestrator");
  const redis = createRedis(config.REDIS_URL, logger);
  if (options.waitForRedisMs !== null) {
    try {
      await waitUntilReady(redis, options.waitForRedisMs ?? 15_000);
    } catch (err) {
      redis.disconnect();
      throw err;
    }
  }
  const db = createDb(config.DATABASE_URL, { poolSize: options.dbPoolSize ?? 10 });
  const taskQueue = createContentQueue(redis, config.REDIS_PREFIX);
  const runQueue = createRunQueue(redis, config.REDIS_PREFIX);
  const shipQueue = createShipQueue(redis, config.REDIS_PREFIX);
  const workQueues = [
    { name: QUEUES.content, queue: taskQueue as Queue },
    { name: QUEUES.agentRuns, queue: runQueue as Queue },
    { name: QUEUES.agentShips, queue: shipQueue as Queue },
  ];
  for (const { name, queue } of workQueues) logErrors(logger, `${name} queue`, [queue]);
  const taskEvents = new EventLog({
    redis,
    prefix: config.REDIS_PREFIX,
    maxLen: config.EVENT_STREAM_MAXLEN,
    retentionSeconds: config.EVENT_RETENTION_SECONDS,
    isTerminal: (type) => TERMINAL_TASK_EVENTS.has(type),
  });
  const runEvents = new EventLog({
    redis,
    prefix: config.REDIS_PREFIX,
    // The launcher writes thousands of lines to the same stream: the same cap for every writer.
    maxLen: RUN_EVENT_STREAM_MAXLEN,
    retentionSeconds: config.EVENT_RETENTION_SECONDS,
    isTerminal: (type) => TERMINAL_RUN_EVENTS.has(type),
  });
  // One pool to Threads; each link check uses it with the token being linked.
  const threads = createThreadsClient({
    apiUrl: config.THREADS_API_URL,
    accessToken: () => Promise.reject(new Error("no default token in the orchestrator")),
    timeoutMs: config.THREADS_TIMEOUT_MS,
    connections: 2,
  });
  const relay = new OutboxRelay({
    db,
    logs: { task: taskEvents, run: runEvents },
    logger,
    intervalMs: config.OUTBOX_RELAY_INTERVAL_MS,
    retentionSeconds: config.EVENT_RETENTION_SECONDS,
    // Published rows are marked sent in one UPDATE per 50 ms, not one per request.
    markSentDelayMs: 50,
    ...(config.FAULT_CRASH_AFTER_COMMIT ? { afterCommit: crashAfterCommit(logger) } : {}),
  });
  let hubFailing = false;
  const streamHub = new StreamHub({
    redis,
    onError: (err) => {
      if (hubFailing) return;
      hubFailing = true;
      logger.warn({ err: { message: (err as Error).message } }, "event stream reader cannot read Redis; SSE clients wait for it");
      setTimeout(() => {
        hubFailing = false;
      }, 30_000).unref();
    },
  });
  const base = {
    config,
    logger,
    metrics,
    db,
    redis,
    taskQueue,
    runQueue,
    shipQueue,
    workQueues,
    taskEvents,
    runEvents,
    streamHub,
    relay,
    lifecycle: new Lifecycle(db, relay),
    jobs: { attempts: config.TASK_MAX_ATTEMPTS, backoffMs: config.TASK_BACKOFF_MS },
    threadsWithToken: (token: string) => threads.withToken(token),
    tokenCipher: config.TOKEN_ENCRYPTION_KEY ? TokenCipher.fromBase64(config.TOKEN_ENCRYPTION_KEY) : null,
    guardrail: createGuardrailClient({ baseUrls: config.PERSONA_RUNTIME_URL, timeoutMs: config.PERSONA_RUNTIME_TIMEOUT_MS }),
    async close() {
      await Promise.allSettled([trends.stop(), schedules.stop()]);
      await relay.stop();
      await streamHub.close();
      await threads.close();
      await Promise.allSettled([taskQueue.close(), runQueue.close(), shipQueue.close()]);
      await redis.quit().catch(() => redis.disconnect());
      await db.$disconnect();
    },
  };
  const trends = createTrendPoller(base, {
    policy: {
      allowPrivate: config.ALLOW_PRIVATE_FEEDS,
      maxBytes: config.FEED_MAX_BYTES,
      timeoutMs: config.FEED_TIMEOUT_MS,
      maxRedirects: 5,
    },
    everySeconds: config.TREND_POLL_SECONDS,
  });
  const schedules = createPersonaSchedules(base);
  const deps: OrchestratorDeps = Object.assign(base, { trends, schedules });
  return deps;
}

/** Test-only: dies by SIGKILL right after its first commit of an event, before the relay publishes it. */
function crashAfterCommit(logger: Logger) {
  return () => {
    logger.warn("FAULT_CRASH_AFTER_COMMIT: killing this process between the commit and the relay");
    process.kill(process.pid, "SIGKILL");
  };
}
