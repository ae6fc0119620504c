import { newId, QUEUES } from "@threads-agent/contracts";
import { DEFAULT_PERSONAS, insertTask } from "@threads-agent/db";
import type { Stack } from "@threads-agent/stack";
import { type fakeThreads, testEnv } from "@threads-agent/testing";
import { ThreadsApiError } from "@threads-agent/threads";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkerDeps } from "../deps.ts";
import { processContentTask } from "../processors/content.ts";
import { createWorkerDeps, startWorkerStack } from "../test-fixture.ts";
import { collectFollowerCounts, type InsightsDeps, readPostInsights, scheduleMissingReadings } from "./collect.ts";

const env = testEnv();
const redis = new Redis(env.redisUrl);
let stack: Stack;
let deps: WorkerDeps;
let insights: InsightsDeps;
let queue: Queue;
let threads: ReturnType<typeof fakeThreads>;
const signal = new AbortController().signal;

beforeAll(async () => {
  ({ stack, threads } = await startWorkerStack({ CONTAINER_READY_MS: "20", PUBLISH_QUOTA: "1000" }));
  deps = createWorkerDeps(stack, env, "insights-test", { INSIGHTS_SCHEDULE: "1h,6h" });
  insights = { db: deps.db, accounts: deps.accounts, logger: deps.logger, metrics: deps.metrics, settings: deps.insightSettings };
  queue = new Queue(QUEUES.insights, { connection: redis, prefix: env.redisPrefix });
});
afterAll(async () => {
  await queue?.close();
  await stack?.stop();
  await deps?.close();
  redis.disconnect();
});

async function publishedPost(input: string) {
  const personaId = `ins-${newId().slice(-8)}`;
  const { topics: _topics, ...base } = DEFAULT_PERSONAS[0] as (typeof DEFAULT_PERSONAS)[number];
  await deps.db.persona.create({ data: { ...base, id: personaId, name: "Insights" } });
  const id = newId();
  const created = await insertTask(deps.db, { id, persona_id: personaId, task_type: "trend", input, trace: {} });
  await deps.relay.announce([created.announcement]);
  expect(await processContentTask(deps, id, 1, signal)).toBe("succeeded");
  return { personaId, post: await deps.db.post.findUniqueOrThrow({ where: { task_id: id } }) };
}

describe("insights readings", () => {
  it("stores the post's counts and its account's follower count", async () => {
    const { personaId, post } = await publishedPost("Night trains are back across Europe");
    await threads.advanceClock(6 * 3_600_000);
    expect(await readPostInsights(insights, { post_id: post.id, offset_s: 3600 })).toBe("stored");
    const [reading] = await deps.db.postInsight.findMany({ where: { post_id: post.id } });
    expect(reading).toMatchObject({ offset_seconds: 3600 });
    expect(reading?.views).toBeGreaterThan(0);
    const followers = await deps.db.followerCount.findMany({ where: { persona_id: personaId } });
    expect(followers).toHaveLength(1);
    expect(followers[0]?.followers).toBeGreaterThan(0);
  });

  it("lets an outage through as a ThreadsApiError the queue defers on, storing nothing", async () => {
    const { post } = await publishedPost("Community gardens on parking lots");
    await threads.fault({ endpoint: "insights", status: 503 });
    const outcome = await readPostInsights(insights, { post_id: post.id, offset_s: 3600 }).catch((err: unknown) => err);
    expect(outcome).toBeInstanceOf(ThreadsApiError);
    expect((outcome as ThreadsApiError).kind).toBe("unavailable");
    expect(await deps.db.postInsight.count({ where: { post_id: post.id } })).toBe(0);
    expect(await readPostInsights(insights, { post_id: newId(), offset_s: 3600 })).toBe("gone");
  });

  it("schedules the readings of published posts that have none, once per post and offset", async () => {
    const { post } = await publishedPost("Libraries lending tools instead of books");
    expect(await scheduleMissingReadings(deps.db, queue, deps.insightSettings)).toBeGreaterThanOrEqual(1);
    const jobs = (await queue.getDelayed()).filter((j) => j.data.post_id === post.id);
    expect(jobs.map((j) => j.id).sort()).toEqual([`${post.id}-21600000`, `${post.id}-3600000`]);
    await scheduleMissingReadings(deps.db, queue, deps.insightSettings);
    expect((await queue.getDelayed()).filter((j) => j.data.post_id === post.id)).toHaveLength(2);
  });

  it("collects every persona's follower count, one call per account", async () => {
    const result = await collectFollowerCounts(insights);
    expect(result.failed).toBe(0);
    expect(result.stored).toBe(await deps.db.persona.count());
  });
});
