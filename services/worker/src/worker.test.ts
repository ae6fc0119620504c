// The worker against the real persona-runtime and fake-threads (as processes), real Redis and
// PostgreSQL; the worker itself runs in-process so each guarantee can be driven step by step.

import { contentJobOptions, newId, QUEUES, redisKeys } from "@threads-agent/contracts";
import { insertTask } from "@threads-agent/db";
import type { Stack } from "@threads-agent/stack";
import { type fakeThreads, testEnv, threadsPostsOfTask, waitFor } from "@threads-agent/testing";
import { Queue, type Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkerDeps } from "./deps.ts";
import { processContentTask } from "./processors/content.ts";
import { createWorkerDeps, startWorkerStack } from "./test-fixture.ts";
import { createContentWorker } from "./worker.ts";

const env = testEnv();
const redis = new Redis(env.redisUrl);
let stack: Stack;
let deps: WorkerDeps;
let queue: Queue;
let worker: Worker;
const signal = new AbortController().signal;

let threads: ReturnType<typeof fakeThreads>;

beforeAll(async () => {
  ({ stack, threads } = await startWorkerStack({ CONTAINER_READY_MS: "50" }));
  // These personas have no account of their own: they publish as the stack's default account.
  deps = createWorkerDeps(stack, env, "worker-test", {
    PERSONA_RUNTIME_TIMEOUT_MS: "10000",
    THREADS_TIMEOUT_MS: "5000",
    THREADS_PUBLISH_TIMEOUT_MS: "2000",
    THREADS_PUBLISH_GRACE_MS: "200",
  });
  queue = new Queue(QUEUES.content, { connection: redis, prefix: env.redisPrefix });
  worker = createContentWorker(deps, {
    connection: deps.blocking,
    concurrency: 4,
    lockDurationMs: 5000,
    stalledIntervalMs: 5000,
  });
  void worker.run();
});
afterAll(async () => {
  await worker?.close();
  await queue?.close();
  await stack?.stop();
  await deps?.close();
  redis.disconnect();
});

async function newTask(input = "Remote teams and the four-day week", persona = "ai-jesus") {
  const id = newId();
  const created = await insertTask(deps.db, { id, persona_id: persona, task_type: "trend", input, trace: {} });
  await deps.relay.announce([created.announcement]);
  return id;
}
/** The task's post as it went out on fake-threads. */
const published = (taskId: string) => threadsPostsOfTask(deps.db, threads, taskId);
const eventTypes = async (taskId: string) => (await deps.events.range("task", taskId)).map((e) => e.event.type);

describe("processContentTask", () => {
  it("generates, stores, publishes once and records every model call with the task's usage", async () => {
    const id = await newTask();
    expect(await processContentTask(deps, id, 1, signal)).toBe("succeeded");
    const task = await deps.db.task.findUniqueOrThrow({ where: { id }, include: { post: true, llm_calls: true } });
    expect(task.status).toBe("succeeded");
    expect(task.post?.published_id).toBeTruthy();
    expect(task.post?.threads_container_id).toBeTruthy();
    expect(task.post?.permalink).toMatch(/^https:\/\/www\.threads\.net\/@threads_agent\/post\/[\w-]+$/);
    expect(task.llm_calls.map((c) => c.step).sort()).toEqual(["body", "hook"]);
    expect(task.tokens_in).toBe(task.llm_calls.reduce((s, c) => s + c.tokens_in, 0));
    expect(task.tokens_out).toBe(task.llm_calls.reduce((s, c) => s + c.tokens_out, 0));
    expect(await published(id)).toHaveLength(1);
    const types = await eventTypes(id);
    expect(types[0]).toBe("task.queued");
    expect(types[1]).toBe("task.started");
    expect(types.at(-1)).toBe("task.succeeded");
  });

  it("leaves a finished task alone when its job runs again", async () => {
    const id = await newTask();
    await processContentTask(deps, id, 1, signal);
    const before = await eventTypes(id);
    expect(await processContentTask(deps, id, 2, signal)).toBe("skipped");
    expect(await eventTypes(id)).toEqual(before);
    expect(await published(id)).toHaveLength(1);
  });

  it("publishes a post stored by an attempt that died before publishing, without generating again", async () => {
    const id = await newTask();
    await deps.db.task.update({ where: { id }, data: { status: "running", attempts: 1 } });
    await deps.db.post.create({
      data: {
        id: newId(),
        task_id: id,
        persona_id: "ai-jesus",
        hook: "Rest is holy",
        body: "Take the day.",
        text: "🙏 Rest is holy 🙏\n\nTake the day.",
      },
    });
    expect(await processContentTask(deps, id, 1, signal)).toBe("succeeded");
    expect(await deps.db.llmCall.count({ where: { task_id: id } })).toBe(0);
    expect(await published(id)).toEqual([expect.objectContaining({ content: "🙏 Rest is holy 🙏\n\nTake the day." })]);
    expect(await deps.db.post.count({ where: { task_id: id } })).toBe(1);
  });

  it("ends a task whose cancel was requested as cancelled, publishing nothing", async () => {
    const id = await newTask();
    await redis.set(redisKeys(env.redisPrefix).cancelTask(id), "1");
    expect(await processContentTask(deps, id, 1, signal)).toBe("cancelled");
    expect((await deps.db.task.findUniqueOrThrow({ where: { id } })).status).toBe("cancelled");
    expect((await eventTypes(id)).at(-1)).toBe("task.cancelled");
    expect(await published(id)).toHaveLength(0);
    expect(await redis.exists(redisKeys(env.redisPrefix).cancelTask(id))).toBe(0);
  });
});

describe("cancel while generating", () => {
  it("stops mid-generation, emits nothing after task.cancelled, and publishes nothing", async () => {
    await stack.kill("persona-runtime");
    await stack.start("persona-runtime", { OFFLINE_STREAM_DELAY_MS: "40" });
    try {
      const id = await newTask("Cancel me while the body is being written");
      const processing = processContentTask(deps, id, 1, signal);
      await waitFor("the hook step to complete", async () => (await eventTypes(id)).includes("step.completed"), 10_000, 20);
      await redis.set(redisKeys(env.redisPrefix).cancelTask(id), "1");
      expect(await processing).toBe("cancelled");
      const types = await eventTypes(id);
      expect(types.at(-1)).toBe("task.cancelled");
      // The body step (dozens of 40 ms words) never ran to completion.
      expect((await deps.events.range("task", id)).filter((e) => e.event.type === "step.completed").map((e) => e.event.step)).not.toContain(
        "body",
      );
      // Nothing is emitted after the terminal event.
      expect(types.indexOf("task.cancelled")).toBe(types.length - 1);
      expect(await published(id)).toHaveLength(0);
    } finally {
      await stack.kill("persona-runtime");
      await stack.start("persona-runtime");
    }
  });
});

describe("content worker (BullMQ)", () => {
  it("retries a transient Threads failure with backoff and still publishes exactly once", async () => {
    const id = await newTask("Why junior developers should write more tests");
    await threads.fault({ endpoint: "container_create", status: 503 });
    await queue.add("content", { task_id: id }, contentJobOptions(id, 3, 50));
    // The event follows the commit (the relay publishes it): wait for what a viewer sees.
    await waitFor("task.succeeded on the stream", async () => (await eventTypes(id)).includes("task.succeeded"));
    const types = await eventTypes(id);
    expect(types.filter((t) => t === "task.retrying")).toHaveLength(1);
    expect(types.at(-1)).toBe("task.succeeded");
    expect((await deps.db.task.findUniqueOrThrow({ where: { id } })).attempts).toBe(2);
    expect(await published(id)).toHaveLength(1);
  });

  it("settles a publish whose answer was a 5xx by asking Threads, without spending an attempt or publishing twice", async () => {
    const id = await newTask("What a rocket engine teaches about patience");
    // Threads answers 503 without publishing: the outcome is unknown, so the worker asks (FINISHED),
    // waits out the publish timeout and grace (its job delayed), and only then publishes.
    await threads.fault({ endpoint: "publish", status: 503 });
    await queue.add("content", { task_id: id }, contentJobOptions(id, 3, 50));
    await waitFor("task.succeeded on the stream", async () => (await eventTypes(id)).includes("task.succeeded"), 20_000);
    expect(await eventTypes(id)).not.toContain("task.retrying");
    const post = await deps.db.post.findUniqueOrThrow({ where: { task_id: id } });
    expect(await published(id)).toHaveLength(1);
    const calls = (await threads.containers()).filter((c) => c.id === post.threads_container_id).map((c) => c.publish_calls);
    expect(calls).toEqual([2]);
    expect(post.publish_attempts).toBe(2);
    expect((await deps.db.task.findUniqueOrThrow({ where: { id } })).attempts).toBe(1);
  });

  it("fails at once, without retrying, when Threads rejects the post, with Threads' message", async () => {
    const id = await newTask("A post Threads will refuse");
    await threads.fault({ endpoint: "container_create", code: 100, message: "(#100) Param text is not allowed here" });
    await queue.add("content", { task_id: id }, contentJobOptions(id, 5, 50));
    // The job is dead-lettered after the processor recorded the failure.
    await waitFor("the job to be a dead letter", async () => (await (await queue.getJob(id))?.getState()) === "failed");
    const task = await deps.db.task.findUniqueOrThrow({ where: { id } });
    expect(task).toMatchObject({ attempts: 1, error_code: "threads_rejected" });
    expect(task.error_message).toMatch(/Param text is not allowed here/);
    expect(task.status).toBe("failed");
    expect(await eventTypes(id)).not.toContain("task.retrying");
  });
});
