// What the worker's in-process tests share: fake-threads and persona-runtime as processes, and
// worker deps built through the same composition root as main.ts against this test file's
// PostgreSQL and Redis prefix, with silent logs.
import { Writable } from "node:stream";
import { createLogger, createMetrics } from "@threads-agent/observability";
import { type Stack, startStack } from "@threads-agent/stack";
import { fakeThreads, type TestEnv } from "@threads-agent/testing";
import { configSchema } from "./config.ts";
import { createDeps, type WorkerDeps } from "./deps.ts";

export type WorkerStack = { stack: Stack; threads: ReturnType<typeof fakeThreads> };

/** fake-threads (with `fakeThreadsEnv`) and persona-runtime, on free ports. */
export async function startWorkerStack(fakeThreadsEnv: Record<string, string>): Promise<WorkerStack> {
  const stack = await startStack({
    env: { ...process.env, LOG_LEVEL: "warn" },
    services: ["fake-threads", "persona-runtime"],
    serviceEnv: { "fake-threads": fakeThreadsEnv },
  });
  return { stack, threads: fakeThreads(stack.urls["fake-threads"]) };
}

/**
 * A worker's deps against `stack` and the test file's `env` (its database and Redis prefix): the
 * stack's default Threads account (personas without an account of their own publish as it),
 * container status polled every 25 ms, then `overrides`.
 */
export function createWorkerDeps(stack: Stack, env: TestEnv, name: string, overrides: Record<string, string> = {}): WorkerDeps {
  const config = configSchema.parse({
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    REDIS_PREFIX: env.redisPrefix,
    PERSONA_RUNTIME_URL: stack.urls["persona-runtime"],
    THREADS_API_URL: stack.env.THREADS_API_URL,
    THREADS_ACCESS_TOKEN: stack.env.THREADS_ACCESS_TOKEN,
    THREADS_CONTAINER_POLL_MS: "25",
    ...overrides,
  });
  return createDeps(config, {
    logger: createLogger({ service: name, level: "silent", destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
    metrics: createMetrics(name),
  });
}
