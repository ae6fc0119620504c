// Builds the orchestrator against this test run's PostgreSQL and a Redis prefix of its own, through
// the same composition root as main.ts, and simulates what the worker would do.
import { randomBytes } from "node:crypto";
import { QUEUES, type TaskStatus } from "@threads-agent/contracts";
import { testEnv } from "@threads-agent/testing";
import { type Job, Worker } from "bullmq";
import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import { buildApp } from "./app.ts";
import { configSchema } from "./config.ts";
import { createDeps, type OrchestratorDeps } from "./deps.ts";
import type { ContentQueue } from "./tasks/task-queue.ts";

export type Orchestrator = OrchestratorDeps & {
  app: FastifyInstance;
  /** The content queue (deps.taskQueue). */
  queue: ContentQueue;
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
  const deps = await createDeps(config, { waitForRedisMs: env.REDIS_URL ? null : 5_000, dbPoolSize: 4 });
  const app = await buildApp(deps);
  return {
    ...deps,
    app,
    queue: deps.taskQueue,
    async close() {
      await app.close();
      await deps.close();
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
