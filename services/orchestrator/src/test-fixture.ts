// Builds the orchestrator against this test run's PostgreSQL and a Redis prefix of its own, the
// way main.ts does, and simulates what the worker would do (rows and events written directly).
import { randomBytes } from "node:crypto";
import { QUEUES, type TaskStatus } from "@threads-agent/contracts";
import { createDb, type Db } from "@threads-agent/db";
import { createLogger, createMetrics, type Metrics } from "@threads-agent/observability";
import { testEnv } from "@threads-agent/testing";
import { type Job, Worker } from "bullmq";
import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import { buildApp } from "./app.ts";
import { type Config, configSchema } from "./config.ts";
import { createRedis, waitUntilReady } from "./redis.ts";
import { createTaskContext, createTaskEventLog, type TaskContext } from "./tasks/task-context.ts";
import { type ContentQueue, createContentQueue } from "./tasks/task-queue.ts";

export type Orchestrator = {
  app: FastifyInstance;
  config: Config;
  db: Db;
  redis: Redis;
  queue: ContentQueue;
  metrics: Metrics;
  ctx: TaskContext;
  close: () => Promise<void>;
};

/** `env` is what main.ts would read; REDIS_URL may point at a closed port (the app then starts without waiting). */
export async function startOrchestrator(env: Record<string, string> = {}): Promise<Orchestrator> {
  const test = testEnv();
  const config = configSchema.parse({
    DATABASE_URL: test.databaseUrl,
    REDIS_URL: test.redisUrl,
    REDIS_PREFIX: test.redisPrefix,
    LOG_LEVEL: "silent",
    SSE_HEARTBEAT_MS: "250",
    ...env,
  });
  const logger = createLogger({ service: "orchestrator", level: config.LOG_LEVEL });
  const metrics = createMetrics("orchestrator");
  const db = createDb(config.DATABASE_URL, { poolSize: 4 });
  const redis = createRedis(config.REDIS_URL, logger);
  if (!env.REDIS_URL) await waitUntilReady(redis, 5_000);
  const queue = createContentQueue(redis, config.REDIS_PREFIX);
  queue.on("error", () => {});
  const events = createTaskEventLog(redis, {
    prefix: config.REDIS_PREFIX,
    maxLen: config.EVENT_STREAM_MAXLEN,
    retentionSeconds: config.EVENT_RETENTION_SECONDS,
  });
  const app = await buildApp({ config, logger, metrics, db, redis, queue, events });
  const ctx = createTaskContext(config, { db, redis, queue, events, logger });
  return {
    app,
    config,
    db,
    redis,
    queue,
    metrics,
    ctx,
    async close() {
      await app.close();
      await queue.close().catch(() => {});
      redis.disconnect();
      await db.$disconnect();
    },
  };
}

/** A unique input, so tests sharing the run's database can find their own rows. */
export const uniqueInput = (label: string) => `${label} ${randomBytes(4).toString("hex")}`;

/** Creates a task through the API and returns its JSON. */
export async function createTask(o: Orchestrator, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const res = await o.app.inject({
    method: "POST",
    url: "/v1/tasks",
    headers,
    payload: { persona_id: "ai-jesus", input: uniqueInput("test task"), ...body },
  });
  if (res.statusCode !== 202) throw new Error(`POST /v1/tasks answered ${res.statusCode}: ${res.body}`);
  return res.json() as { id: string; status: TaskStatus; [k: string]: unknown };
}

/**
 * Plays the worker's part without a worker: takes the next job off the queue and holds its lock,
 * which is what "a worker is running this task" looks like to BullMQ.
 */
export async function takeJob(o: Orchestrator, taskId: string): Promise<{ job: Job; token: string; release: () => Promise<void> }> {
  // Earlier tests' jobs would come first (FIFO): keep only this task's.
  const waiting = await o.queue.getJobs(["waiting"], 0, -1);
  await Promise.all(waiting.filter((j) => j.id !== taskId).map((j) => j.remove()));
  const connection = new Redis(o.config.REDIS_URL, { maxRetriesPerRequest: null });
  const worker = new Worker(QUEUES.content, null, { connection, prefix: o.config.REDIS_PREFIX, autorun: false });
  const token = randomBytes(8).toString("hex");
  const job = await worker.getNextJob(token, { block: false });
  if (job?.id !== taskId) throw new Error(`expected the job of task ${taskId} in the content queue, got ${job?.id}`);
  return {
    job,
    token,
    async release() {
      await worker.close();
      connection.disconnect();
    },
  };
}
