// The data path under the faults that once left tasks stuck: Redis restarted empty with 200 tasks
// in flight, PostgreSQL unreachable for longer than the retry budget, and a process killed between
// a commit and the relay. Real processes, real Redis (one of the test's own where it is restarted)
// and PostgreSQL (through a TCP proxy the test cuts).
import { createDb, type Db } from "@threads-agent/db";
import { duplicatePublishes, readSse, testEnv, waitFor } from "@threads-agent/testing";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type OwnRedis, startOwnRedis } from "./own-redis.ts";
import { type Fixture, MANY_SIMILAR_POSTS, startPipeline } from "./stack-fixture.ts";
import { startTcpProxy } from "./tcp-proxy.ts";

const TERMINAL = new Set(["succeeded", "failed", "blocked", "cancelled"]);
const TERMINAL_EVENTS = new Set(["task.succeeded", "task.failed", "task.blocked", "task.cancelled"]);
const INPUTS = [
  "Remote work and the four-day week",
  "Burnout after a product launch",
  "Battery breakthroughs for electric planes",
  "Learning to code after forty",
  "Loneliness in big cities",
];

type Figures = {
  accepted: number;
  succeeded: number;
  failedWithReason: number;
  stuck: number;
  duplicatePosts: number;
  duplicatePublishes: number;
};

let f: Fixture | undefined;
let db: Db | undefined;
afterEach(async () => {
  await f?.stack.stop();
  await db?.$disconnect();
  f = undefined;
  db = undefined;
});

async function submit(fixture: Fixture, count: number, label: string): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < count; start += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, count - start) }, (_, i) =>
        fixture.createTask({
          persona_id: i % 2 ? "ai-elon" : "ai-jesus",
          input: `${INPUTS[(start + i) % INPUTS.length]} (${label} ${start + i})`,
        }),
      ),
    );
    ids.push(...batch.map((t) => t.id));
  }
  return ids;
}

/** Accepted, finished, stuck, and posts/publishes per task, from the database and fake-threads. */
async function figures(fixture: Fixture, client: Db, ids: string[]): Promise<Figures> {
  const tasks = await client.task.findMany({ where: { id: { in: ids } }, include: { post: true } });
  const posts = await client.post.groupBy({ by: ["task_id"], where: { task_id: { in: ids } }, _count: true });
  // Threads posts per task, counted on fake-threads by the post's text (the account's threads list).
  const rows = await client.post.findMany({ where: { task_id: { in: ids } }, select: { text: true, published_id: true } });
  const onThreads = await fixture.threads.posts();
  return {
    accepted: ids.length,
    succeeded: tasks.filter((r) => r.status === "succeeded").length,
    failedWithReason: tasks.filter((r) => r.status === "failed" && r.error_message).length,
    stuck: tasks.filter((r) => !TERMINAL.has(r.status)).length,
    duplicatePosts: posts.filter((p) => p._count > 1).length,
    duplicatePublishes: duplicatePublishes(onThreads, rows),
  };
}

/** Every task's SSE history: from task.queued to one terminal event that matches its row, ids increasing. */
async function expectCompleteHistories(fixture: Fixture, client: Db, ids: string[]): Promise<void> {
  const rows = new Map(
    (await client.task.findMany({ where: { id: { in: ids } }, select: { id: true, status: true } })).map((r) => [r.id, r.status]),
  );
  for (let start = 0; start < ids.length; start += 25) {
    await Promise.all(
      ids.slice(start, start + 25).map(async (id) => {
        const { messages } = await readSse(`${fixture.api}/v1/tasks/${id}/events`, { timeoutMs: 20_000 });
        const types = messages.map((m) => String(m.json.type));
        expect(types[0], id).toBe("task.queued");
        expect(types.at(-1), id).toBe(`task.${rows.get(id)}`);
        expect(
          types.filter((t) => TERMINAL_EVENTS.has(t)),
          id,
        ).toHaveLength(1);
        if (rows.get(id) === "succeeded") expect(types, id).toContain("task.started");
        const streamIds = messages.map((m) => m.id as string);
        const sorted = [...streamIds].sort((a, b) => {
          const [am, as] = a.split("-").map(BigInt) as [bigint, bigint];
          const [bm, bs] = b.split("-").map(BigInt) as [bigint, bigint];
          return am === bm ? Number(as - bs) : am < bm ? -1 : 1;
        });
        expect(streamIds, id).toEqual(sorted);
      }),
    );
  }
}

describe("a Redis restart that loses everything", () => {
  let redis: OwnRedis | undefined;
  afterAll(async () => {
    await redis?.stop();
  });

  it("ends every one of 200 in-flight tasks terminal, with one post, one publish and its whole history", async () => {
    redis = await startOwnRedis();
    f = await startPipeline(
      { ...MANY_SIMILAR_POSTS, REDIS_URL: redis.url, WORKER_CONCURRENCY: "8", RECONCILE_AFTER_MS: "3000" },
      undefined,
      {
        "persona-runtime": { OFFLINE_STREAM_DELAY_MS: "2" },
      },
    );
    db = createDb(f.env.databaseUrl, { poolSize: 4 });
    const client = db;
    const ids = await submit(f, 200, "redis");
    await waitFor(
      "some tasks to finish",
      async () => (await client.task.count({ where: { id: { in: ids }, status: "succeeded" } })) >= 20,
      60_000,
      50,
    );
    const doneBefore = await client.task.count({ where: { id: { in: ids }, status: { in: ["succeeded", "failed", "blocked"] } } });
    await redis.stop();
    await new Promise((r) => setTimeout(r, 1500));
    await redis.start();

    await waitFor(
      "every accepted task to end",
      async () => (await client.task.count({ where: { id: { in: ids }, status: { in: ["queued", "running"] } } })) === 0,
      120_000,
      250,
    );
    const result = await figures(f, client, ids);
    console.log(`redis restart: ${doneBefore} of 200 finished before the restart`, JSON.stringify(result));
    expect(result).toMatchObject({ accepted: 200, stuck: 0, duplicatePosts: 0, duplicatePublishes: 0 });
    expect(result.succeeded + result.failedWithReason).toBe(200);
    await expectCompleteHistories(f, client, ids);
  }, 240_000);
});

describe("PostgreSQL unreachable for longer than the retry budget", () => {
  it("leaves no task unfinished once it is back, and never publishes a published task again", async () => {
    const proxy = await startTcpProxy({ host: "127.0.0.1", port: 5432 });
    try {
      const { databaseUrl } = testEnv();
      const direct = createDb(databaseUrl, { poolSize: 4 });
      db = direct;
      const viaProxy = new URL(databaseUrl);
      viaProxy.host = `127.0.0.1:${proxy.port}`;
      f = await startPipeline(
        { ...MANY_SIMILAR_POSTS, DATABASE_URL: viaProxy.toString(), WORKER_CONCURRENCY: "8", RECONCILE_AFTER_MS: "2000" },
        undefined,
        {
          "persona-runtime": { OFFLINE_STREAM_DELAY_MS: "2" },
        },
      );
      const fixture = f;
      const ids = await submit(fixture, 100, "pg");
      await waitFor(
        "some tasks to be published",
        async () => (await direct.task.count({ where: { id: { in: ids }, status: "succeeded" } })) >= 15,
        60_000,
        50,
      );
      const publishedBefore = await direct.post.findMany({ where: { task_id: { in: ids }, published_id: { not: null } } });
      // Longer than the whole retry budget of a job (3 attempts, 200 + 400 ms backoff).
      proxy.cut();
      await new Promise((r) => setTimeout(r, 6000));
      proxy.restore();

      await waitFor(
        "every accepted task to end",
        async () => (await direct.task.count({ where: { id: { in: ids }, status: { in: ["queued", "running"] } } })) === 0,
        120_000,
        250,
      );
      const result = await figures(fixture, direct, ids);
      console.log(`postgres outage: ${publishedBefore.length} of 100 published before the outage`, JSON.stringify(result));
      expect(result).toMatchObject({ accepted: 100, stuck: 0, duplicatePosts: 0, duplicatePublishes: 0 });
      expect(result.succeeded + result.failedWithReason).toBe(100);
      // What was published before the outage kept its one post and its published id.
      const after = new Map(
        (await direct.post.findMany({ where: { task_id: { in: publishedBefore.map((p) => p.task_id) } } })).map((p) => [p.task_id, p]),
      );
      for (const post of publishedBefore) expect(after.get(post.task_id)?.published_id).toBe(post.published_id);
      await expectCompleteHistories(fixture, direct, ids);
    } finally {
      await f?.stack.stop();
      f = undefined;
      await proxy.close();
    }
  }, 240_000);
});

describe("a crash between the commit and the relay", () => {
  it("loses no event: the relay publishes it when the process is back", async () => {
    // Many similar posts from this file's other tests share the database: not what this test is about.
    f = await startPipeline({ ...MANY_SIMILAR_POSTS, FAULT_CRASH_AFTER_COMMIT: "false" });
    db = createDb(f.env.databaseUrl, { poolSize: 2 });
    const fixture = f;
    const client = db;
    await fixture.stack.kill("orchestrator");
    await fixture.stack.start("orchestrator", { FAULT_CRASH_AFTER_COMMIT: "true" });
    const input = `Crash right after the commit ${Date.now()}`;
    // The orchestrator commits the task with its task.queued, then dies before publishing or enqueueing it.
    const answer = await fetch(`${fixture.api}/v1/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ persona_id: "ai-jesus", input }),
    }).then(
      (res) => res.status,
      () => "connection lost",
    );
    expect(answer).toBe("connection lost");
    await waitFor("the orchestrator to die", async () => !fixture.stack.running("orchestrator"), 10_000);
    const task = await client.task.findFirstOrThrow({ where: { input } });
    expect(task.status).toBe("queued");
    expect(await client.outboxEvent.count({ where: { entity_id: task.id, sent_at: null } })).toBe(1);

    await fixture.stack.start("orchestrator", { FAULT_CRASH_AFTER_COMMIT: "false" });
    await fixture.waitForStatus(task.id, "succeeded", 45_000);
    const { messages } = await fixture.events(task.id);
    const types = messages.map((m) => m.json.type).filter((t) => !String(t).startsWith("step."));
    expect(types[0]).toBe("task.queued");
    expect(types.filter((t) => t === "task.queued")).toHaveLength(1);
    expect(types.at(-1)).toBe("task.succeeded");
    // Published rows are marked sent in batches (every 50 ms), so the last mark may trail the stream.
    await waitFor("every outbox row of the task to be marked sent", async () =>
      (await client.outboxEvent.count({ where: { entity_id: task.id, sent_at: null } })) === 0 ? true : null,
    );
    expect(await fixture.published(task.id)).toHaveLength(1);
  }, 120_000);
});
