// The publisher against fake-threads in Graph mode (real processes for fake-threads and
// persona-runtime, real Redis and PostgreSQL, the worker in-process so each case can be driven):
// container -> publish -> permalink, a container that fails processing, the quota used up, an
// expired token, token refresh, and two attempts on one post at once. Every persona here has its
// own fake-threads account, so the 1-post quota of this fake-threads is per test.
import { randomBytes } from "node:crypto";
import { contentJobOptions, newId, QUEUES } from "@threads-agent/contracts";
import { DEFAULT_PERSONAS, insertTask, linkThreadsAccount } from "@threads-agent/db";
import type { Stack } from "@threads-agent/stack";
import { type fakeThreads, testEnv, threadsPostsOfTask, waitFor } from "@threads-agent/testing";
import { tokenContext, tokenFingerprint } from "@threads-agent/threads";
import { Queue, type Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkerDeps } from "../deps.ts";
import { RescheduleJob } from "../errors.ts";
import { processContentTask } from "../processors/content.ts";
import { createWorkerDeps, startWorkerStack } from "../test-fixture.ts";
import { createContentWorker } from "../worker.ts";
import { refreshDueTokens, scheduleTokenRefresh } from "./token-refresh.ts";

const env = testEnv();
const redis = new Redis(env.redisUrl);
const DAY_S = 86_400;
let stack: Stack;
let deps: WorkerDeps;
let queue: Queue;
let worker: Worker;
let threads: ReturnType<typeof fakeThreads>;
const signal = new AbortController().signal;

beforeAll(async () => {
  ({ stack, threads } = await startWorkerStack({ CONTAINER_READY_MS: "50", PUBLISH_QUOTA: "1" }));
  deps = createWorkerDeps(stack, env, "publish-test", {
    PERSONA_RUNTIME_TIMEOUT_MS: "10000",
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
    THREADS_PUBLISH_TIMEOUT_MS: "1500",
    THREADS_PUBLISH_GRACE_MS: "200",
    THREADS_QUOTA_RECHECK_MAX_MS: "1500",
  });
  queue = new Queue(QUEUES.content, { connection: redis, prefix: env.redisPrefix });
  worker = createContentWorker(deps, { connection: deps.blocking, concurrency: 4, lockDurationMs: 5000, stalledIntervalMs: 5000 });
  void worker.run();
});
afterAll(async () => {
  await worker?.close();
  await queue?.close();
  await stack?.stop();
  await deps?.close();
  redis.disconnect();
});

type TestPersona = { id: string; username: string; userId: string; token: string };

/**
 * A persona with a fake-threads account of its own, linked the way PUT /v1/personas/:id/threads-account
 * stores it; `token` makes its token with that many seconds left, issued that long ago.
 */
async function personaWithAccount(token?: { expiresIn: number; issuedAgo: number }): Promise<TestPersona> {
  const username = `p${randomBytes(4).toString("hex")}`;
  const account = await threads.account(username);
  const issued = token ? await threads.token(account.id, { expires_in: token.expiresIn, issued_ago: token.issuedAgo }) : account;
  const id = `t-${username}`;
  const { topics: _topics, ...base } = DEFAULT_PERSONAS[0] as (typeof DEFAULT_PERSONAS)[number];
  await deps.db.persona.create({ data: { ...base, id, name: `Test ${username}` } });
  const cipher = deps.accounts.cipher;
  if (!cipher) throw new Error("the test config sets TOKEN_ENCRYPTION_KEY");
  await linkThreadsAccount(deps.db, {
    personaId: id,
    userId: account.id,
    username,
    tokenCiphertext: cipher.encrypt(issued.access_token, tokenContext.persona(id)),
    tokenExpiresAt: new Date(issued.expires_at),
  });
  return { id, username, userId: account.id, token: issued.access_token };
}

let inputs = 0;
const TOPICS = ["Solar farms on old coal sites", "Night shifts and sleep", "Rust in the Linux kernel", "Grandparents learning to text"];
async function newTask(personaId: string, input = `${TOPICS[inputs % TOPICS.length]} (${++inputs})`) {
  const id = newId();
  const created = await insertTask(deps.db, { id, persona_id: personaId, task_type: "trend", input, trace: {} });
  await deps.relay.announce([created.announcement]);
  return id;
}
const run = (id: string, attempts = 3) => queue.add("content", { task_id: id }, contentJobOptions(id, attempts, 50));
const events = async (id: string) => (await deps.events.range("task", id)).map((e) => e.event);
const statusOf = async (id: string) => (await deps.db.task.findUniqueOrThrow({ where: { id } })).status;
const waitForStatus = (id: string, status: string, timeoutMs = 20_000) =>
  waitFor(`task ${id} to be ${status}`, async () => (await statusOf(id)) === status, timeoutMs, 25);
const published = (id: string) => threadsPostsOfTask(deps.db, threads, id);
const containersOf = async (text: string) => (await threads.containers()).filter((c) => c.text === text);

describe("publishing through the Graph API", () => {
  it("goes container -> FINISHED -> threads_publish -> read back, storing the container, media id and permalink", async () => {
    const persona = await personaWithAccount();
    const id = await newTask(persona.id);
    await run(id);
    await waitForStatus(id, "succeeded");
    await waitFor("task.succeeded on the stream", async () => (await events(id)).some((e) => e.type === "task.succeeded"));
    const post = await deps.db.post.findUniqueOrThrow({ where: { task_id: id } });
    expect(post).toMatchObject({ publish_attempts: 1, threads_container_id: expect.stringMatching(/^\d+$/) });
    expect(post.container_created_at).toBeInstanceOf(Date);
    expect(post.publish_attempted_at).toBeInstanceOf(Date);
    expect(post.permalink).toMatch(new RegExp(`^https://www\\.threads\\.net/@${persona.username}/post/[\\w-]+$`));
    expect(post.published_at).toBeInstanceOf(Date);

    const onThreads = await published(id);
    expect(onThreads).toEqual([expect.objectContaining({ id: post.published_id, topic: persona.username, content: post.text })]);
    expect(await containersOf(post.text)).toEqual([
      expect.objectContaining({ id: post.threads_container_id, status: "PUBLISHED", publish_calls: 1, media_id: post.published_id }),
    ]);
    const succeeded = (await events(id)).at(-1) as unknown as { type: string; post: { permalink: string; published_id: string } };
    expect(succeeded).toMatchObject({ type: "task.succeeded", post: { permalink: post.permalink, published_id: post.published_id } });
  });

  it("fails the task with Threads' message when the container goes ERROR, without retrying", async () => {
    const persona = await personaWithAccount();
    await threads.fault({ endpoint: "container_create", container_error: "UNKNOWN: the media could not be processed" });
    const id = await newTask(persona.id);
    await run(id);
    await waitForStatus(id, "failed");
    const task = await deps.db.task.findUniqueOrThrow({ where: { id }, include: { post: true } });
    expect(task).toMatchObject({ attempts: 1, error_code: "threads_container_failed" });
    expect(task.error_message).toMatch(/status ERROR.*UNKNOWN: the media could not be processed/);
    expect((await events(id)).map((e) => e.type)).not.toContain("task.retrying");
    expect(await published(id)).toEqual([]);
    expect(task.post?.published_id).toBeNull();
  });

  it("defers the task while the publishing quota is used up (no attempt spent), then publishes once the window frees", async () => {
    const persona = await personaWithAccount();
    const first = await newTask(persona.id);
    await run(first);
    await waitForStatus(first, "succeeded");

    // This fake-threads allows 1 post per account per 24 h: the second waits.
    const second = await newTask(persona.id);
    await run(second);
    await waitForStatus(second, "deferred");
    const deferredRow = await deps.db.task.findUniqueOrThrow({ where: { id: second } });
    expect(deferredRow.deferred_until?.getTime()).toBeGreaterThan(Date.now() - 1000);
    await waitFor("task.deferred on the stream", async () => (await events(second)).some((e) => e.type === "task.deferred"));
    const deferral = (await events(second)).find((e) => e.type === "task.deferred") as unknown as { until: string; reason: string };
    expect(Date.parse(deferral.until)).toBe(deferredRow.deferred_until?.getTime());
    expect(deferral.reason).toMatch(/publishing quota .* used up \(1 of 1 posts in the last 24 h\)/);
    // The status commits first, then the worker hands the job back to the queue, delayed.
    await waitFor("the job to be delayed", async () => (await (await queue.getJob(second))?.getState()) === "delayed", 5000, 20);
    expect((await queue.getJob(second))?.attemptsMade).toBe(0);

    // A day later on Threads' clock the first post has left the window.
    await threads.advanceClock(24 * 3_600_000 + 60_000);
    await waitForStatus(second, "succeeded");
    // The relay publishes the event right after the commit: wait for what a viewer sees.
    await waitFor("task.succeeded on the stream", async () => (await events(second)).some((e) => e.type === "task.succeeded"));
    const types = (await events(second)).map((e) => e.type);
    expect(types.slice(types.indexOf("task.deferred"))).toEqual(
      expect.arrayContaining(["task.deferred", "task.started", "task.succeeded"]),
    );
    expect(types.at(-1)).toBe("task.succeeded");
    expect((await deps.db.task.findUniqueOrThrow({ where: { id: second } })).attempts).toBe(1);
    expect(await published(second)).toHaveLength(1);
    // Its first container expired while it waited: a new one was made; neither was published twice.
    const post = await deps.db.post.findUniqueOrThrow({ where: { task_id: second } });
    const containers = await containersOf(post.text);
    expect(containers.map((c) => [c.status, c.publish_calls])).toEqual([
      ["EXPIRED", 0],
      ["PUBLISHED", 1],
    ]);
  });

  it("fails with an actionable message naming the persona when its token expired", async () => {
    const persona = await personaWithAccount();
    await threads.expire(persona.token);
    const id = await newTask(persona.id);
    await run(id);
    await waitForStatus(id, "failed");
    const task = await deps.db.task.findUniqueOrThrow({ where: { id } });
    expect(task.error_code).toBe("threads_token");
    expect(task.error_message).toMatch(
      new RegExp(
        `^the Threads token for ${persona.id} expired or was revoked: link the account again \\(PUT /v1/personas/${persona.id}/threads-account\\)`,
      ),
    );
    expect(task.error_message).not.toContain(persona.token);
    expect(task.attempts).toBe(1);
  });

  it("refreshes a token near expiry, stores the new one encrypted, and publishes with it", async () => {
    // A long-lived token issued 58 days ago with 2 days left: due for a refresh (7 days ahead).
    const persona = await personaWithAccount({ expiresIn: 2 * DAY_S, issuedAgo: 58 * DAY_S });
    const before = await deps.db.threadsAccount.findUniqueOrThrow({ where: { persona_id: persona.id } });
    const summary = await refreshDueTokens(deps, 7 * DAY_S * 1000);
    expect(summary.refreshed).toBeGreaterThanOrEqual(1);
    const after = await deps.db.threadsAccount.findUniqueOrThrow({ where: { persona_id: persona.id } });
    expect(after.token_ciphertext).not.toBe(before.token_ciphertext);
    const fresh = deps.accounts.cipher?.decrypt(after.token_ciphertext, tokenContext.persona(persona.id)) as string;
    expect(fresh).not.toBe(persona.token);
    for (const secret of [persona.token, fresh]) expect(after.token_ciphertext).not.toContain(secret);
    expect(after.token_expires_at?.getTime()).toBeGreaterThan(Date.now() + 50 * DAY_S * 1000);
    expect(after.token_refreshed_at).toBeInstanceOf(Date);
    expect(after.refresh_error).toBeNull();

    // The old token stops working: only the refreshed one can publish now.
    await threads.revoke(persona.token);
    const id = await newTask(persona.id);
    await run(id);
    await waitForStatus(id, "succeeded");
    expect((await published(id)).map((p) => p.topic)).toEqual([persona.username]);
  });

  it("runs the refresh from a BullMQ job scheduler, once per interval across workers", async () => {
    const persona = await personaWithAccount({ expiresIn: 2 * DAY_S, issuedAgo: 58 * DAY_S });
    const options = { connection: deps.redis, prefix: env.redisPrefix, intervalMs: 300, aheadMs: 7 * DAY_S * 1000 };
    // Two workers upsert the same scheduler: one schedule.
    const schedules = [await scheduleTokenRefresh(deps, options), await scheduleTokenRefresh(deps, options)];
    try {
      expect((await schedules[0]?.queue.getJobSchedulers())?.map((s) => s.key)).toEqual(["refresh-threads-tokens"]);
      await waitFor(
        "the scheduled refresh of the persona's token",
        async () => (await deps.db.threadsAccount.findUniqueOrThrow({ where: { persona_id: persona.id } })).token_refreshed_at !== null,
        10_000,
        50,
      );
    } finally {
      for (const schedule of schedules) await schedule.close();
    }
  });

  it("refreshes the default account's THREADS_ACCESS_TOKEN into the database and publishes with the refresh", async () => {
    // Threads refreshes only tokens at least a day old: move its clock on.
    await threads.advanceClock(25 * 3_600_000);
    const envToken = stack.env.THREADS_ACCESS_TOKEN as string;
    // fake-threads' configured tokens last 60 days: 61 days ahead makes it due.
    await refreshDueTokens(deps, 61 * DAY_S * 1000);
    const row = await deps.db.threadsAccount.findUniqueOrThrow({ where: { seed_hash: tokenFingerprint(envToken) } });
    expect(row.persona_id).toBeNull();
    expect(row.token_ciphertext).not.toContain(envToken);
    expect(await deps.accounts.defaultToken()).not.toBe(envToken);

    await threads.revoke(envToken);
    // ai-elon has no account of its own in this database: it publishes as the default account.
    const id = await newTask("ai-elon", "Reusable rockets and the refresh of a token");
    await run(id);
    await waitForStatus(id, "succeeded");
    expect(await published(id)).toHaveLength(1);
  });
});

describe("exactly once, in-process", () => {
  it("recovers the media id when threads_publish's answer is lost, without calling it again", async () => {
    const persona = await personaWithAccount();
    await threads.fault({ endpoint: "publish", drop_response: true });
    const id = await newTask(persona.id);
    await run(id);
    await waitForStatus(id, "succeeded");
    const post = await deps.db.post.findUniqueOrThrow({ where: { task_id: id } });
    expect(await published(id)).toEqual([expect.objectContaining({ id: post.published_id })]);
    expect((await containersOf(post.text)).map((c) => c.publish_calls)).toEqual([1]);
    expect(post.permalink).toContain(`/@${persona.username}/post/`);
    expect(await deps.serviceMetrics.registry.getSingleMetricAsString("threads_publishes_total")).toMatch(
      /outcome="recovered"[^}]*\} [1-9]/,
    );
  });

  it("lets only one of two attempts running the same task at once call threads_publish", async () => {
    const persona = await personaWithAccount();
    // The first publish's answer is held: the second attempt arrives while it is in flight.
    await threads.fault({ endpoint: "publish", delay_ms: 1000 });
    const id = await newTask(persona.id, "Two workers, one post");
    const attempts = [processContentTask(deps, id, 1, signal)];
    await waitFor("the first attempt's publish claim", async () => {
      const post = await deps.db.post.findUnique({ where: { task_id: id } });
      return post?.publish_attempted_at != null;
    });
    attempts.push(processContentTask(deps, id, 1, signal));
    const outcomes = await Promise.allSettled(attempts);
    for (const outcome of outcomes) {
      if (outcome.status === "rejected") expect(outcome.reason).toBeInstanceOf(RescheduleJob);
      else expect(["succeeded", "skipped"]).toContain(outcome.value);
    }
    expect(await statusOf(id)).toBe("succeeded");
    const post = await deps.db.post.findUniqueOrThrow({ where: { task_id: id } });
    expect(await published(id)).toEqual([expect.objectContaining({ id: post.published_id })]);
    expect((await containersOf(post.text)).map((c) => c.publish_calls)).toEqual([1]);
    expect(await deps.db.post.count({ where: { task_id: id } })).toBe(1);
  });

  it("waits out an earlier attempt's claim before trusting a FINISHED container, then publishes once", async () => {
    const persona = await personaWithAccount();
    const account = await deps.accounts.forPersona({
      id: persona.id,
      name: persona.id,
      threads_account: await deps.db.threadsAccount.findUnique({ where: { persona_id: persona.id } }),
    });
    // What an attempt that died after claiming the publish, before sending it, leaves behind: the
    // post, its container (FINISHED on Threads), and a fresh claim.
    const id = await newTask(persona.id, "A claim left by a worker that died");
    const text = "🙏 A claim left behind 🙏\n\nIt is honoured before anything else.";
    const container = await account.client.createTextContainer(account.userId, text);
    await deps.db.task.update({ where: { id }, data: { status: "running", attempts: 1 } });
    await deps.db.post.create({
      data: {
        id: newId(),
        task_id: id,
        persona_id: persona.id,
        hook: "A claim left behind",
        body: "It is honoured before anything else.",
        text,
        threads_container_id: container,
        container_created_at: new Date(),
        publish_attempted_at: new Date(),
        publish_attempts: 1,
      },
    });
    const waiting = await processContentTask(deps, id, 2, signal).catch((err: unknown) => err);
    expect(waiting).toBeInstanceOf(RescheduleJob);
    expect((waiting as RescheduleJob).message).toMatch(/earlier publish attempt .* may still be under way/);
    expect(await published(id)).toEqual([]);
    await waitFor(
      "the claim to be older than a publish can take",
      async () => Date.now() > (waiting as RescheduleJob).at.getTime(),
      5000,
      50,
    );
    expect(await processContentTask(deps, id, 2, signal)).toBe("succeeded");
    const post = await deps.db.post.findUniqueOrThrow({ where: { task_id: id } });
    expect(post.publish_attempts).toBe(2);
    expect(await published(id)).toHaveLength(1);
    expect((await containersOf(text)).map((c) => c.publish_calls)).toEqual([1]);
  });
});
