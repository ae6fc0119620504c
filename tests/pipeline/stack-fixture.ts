import { createDb, type Db } from "@threads-agent/db";
import { type ServiceName, type Stack, startStack } from "@threads-agent/stack";
import { type FakeThreads, fakeThreads, readSse, type TestEnv, testEnv, threadsPostsOfTask, waitFor } from "@threads-agent/testing";
import { expect } from "vitest";

export type Fixture = {
  env: TestEnv;
  stack: Stack;
  api: string;
  logs: string[];
  json: <T = Record<string, unknown>>(
    path: string,
    init?: Omit<RequestInit, "body"> & { body?: unknown },
  ) => Promise<{ status: number; body: T; headers: Headers }>;
  createTask: (body: Record<string, unknown>, headers?: Record<string, string>) => Promise<Record<string, unknown> & { id: string }>;
  events: (taskId: string, headers?: Record<string, string>, query?: string) => ReturnType<typeof readSse>;
  waitForStatus: (taskId: string, status: string, timeoutMs?: number) => Promise<Record<string, unknown>>;
  /** The task's post as it went out on Threads (fake-threads): every post with its text, on any account. */
  published: (taskId: string) => Promise<{ id: string; text: string; topic: string }[]>;
  threads: FakeThreads;
  /** This run's database (closed with the stack). */
  db: Db;
};

/**
 * For load and fault tests that publish hundreds of posts per persona from a handful of inputs:
 * the offline writer then writes near-identical posts, which the near-duplicate check would block
 * (it has its own tests: services/worker near-duplicate.test.ts); these tests are about the data path.
 */
export const MANY_SIMILAR_POSTS = { NEAR_DUPLICATE_THRESHOLD: "2" } as const;

/** Creates a persona through the API and links it to a fake-threads account by its token, as a user would. */
export async function createLinkedPersona(
  f: Fixture,
  persona: Record<string, unknown> & { id: string },
  accessToken: string,
): Promise<void> {
  const created = await f.json("/v1/personas", { method: "POST", body: persona });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const linked = await f.json(`/v1/personas/${persona.id}/threads-account`, { method: "PUT", body: { access_token: accessToken } });
  expect(linked.status, JSON.stringify(linked.body)).toBe(200);
}

/** Starts the content pipeline's services as processes against this run's database and a fresh Redis prefix. */
export async function startPipeline(
  extraEnv: Record<string, string> = {},
  services?: ServiceName[],
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>,
): Promise<Fixture> {
  const env = testEnv();
  const logs: string[] = [];
  const stack = await startStack({
    env: {
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      REDIS_PREFIX: env.redisPrefix,
      LOG_LEVEL: "info",
      // Fast retries and takeovers so fault tests finish in seconds.
      TASK_MAX_ATTEMPTS: "3",
      TASK_BACKOFF_MS: "200",
      WORKER_LOCK_MS: "2000",
      WORKER_STALLED_INTERVAL_MS: "1000",
      RECONCILE_INTERVAL_MS: "500",
      RECONCILE_AFTER_MS: "1000",
      OUTBOX_RELAY_INTERVAL_MS: "200",
      SSE_HEARTBEAT_MS: "1000",
      PERSONA_RUNTIME_TIMEOUT_MS: "10000",
      // Fast container polls; a publish whose outcome is unknown is settled within seconds.
      THREADS_CONTAINER_POLL_MS: "100",
      THREADS_PUBLISH_TIMEOUT_MS: "3000",
      THREADS_PUBLISH_GRACE_MS: "500",
      ...extraEnv,
    },
    services: services ?? ["fake-threads", "persona-runtime", "worker", "orchestrator"],
    serviceEnv: { ...serviceEnv, "fake-threads": { CONTAINER_READY_MS: "100", ...serviceEnv?.["fake-threads"] } },
    onLine: (service, line) => {
      logs.push(`[${service}] ${line}`);
      if (logs.length > 50_000) logs.splice(0, 10_000);
    },
  });
  const api = stack.urls.orchestrator;
  const threads = fakeThreads(stack.urls["fake-threads"]);
  const db = createDb(env.databaseUrl, { poolSize: 2 });
  const stopStack = stack.stop;
  stack.stop = async () => {
    await stopStack();
    await db.$disconnect();
  };

  const json: Fixture["json"] = async (path, init = {}) => {
    const { body, headers, ...rest } = init;
    const res = await fetch(path.startsWith("http") ? path : `${api}${path}`, {
      ...rest,
      headers: { ...(body !== undefined ? { "content-type": "application/json" } : {}), ...(headers as Record<string, string>) },
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    } as RequestInit);
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as never, headers: res.headers };
  };

  return {
    env,
    stack,
    api,
    logs,
    json,
    async createTask(body, headers) {
      const res = await json<Record<string, unknown> & { id: string }>("/v1/tasks", {
        method: "POST",
        body,
        ...(headers ? { headers } : {}),
      });
      if (res.status !== 202) throw new Error(`POST /v1/tasks answered ${res.status}: ${JSON.stringify(res.body)}`);
      return res.body;
    },
    events: (taskId, headers, query) =>
      readSse(`${api}/v1/tasks/${taskId}/events${query ? `?${query}` : ""}`, { ...(headers ? { headers } : {}), timeoutMs: 45_000 }),
    waitForStatus: (taskId, status, timeoutMs = 30_000) =>
      waitFor(
        `task ${taskId} to be ${status}`,
        async () => {
          const res = await json(`/v1/tasks/${taskId}`);
          return res.body.status === status ? res.body : null;
        },
        timeoutMs,
        100,
      ),
    async published(taskId) {
      return (await threadsPostsOfTask(db, threads, taskId)).map((p) => ({ id: p.id, text: p.content, topic: p.topic }));
    },
    threads,
    db,
  };
}
