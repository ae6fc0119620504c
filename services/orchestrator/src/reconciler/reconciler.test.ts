// The reconciler against real PostgreSQL and Redis: every unfinished task and run ends up with an
// owner (a job that will run it) or a terminal state with a reason.
import { newId } from "@threads-agent/contracts";
import { UnrecoverableError } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTask, type Orchestrator, startOrchestrator, takeJob, uniqueInput } from "../test-fixture.ts";
import { createReconciler, type Reconciler } from "./reconciler.ts";

let o: Orchestrator;
let reconciler: Reconciler;

beforeAll(async () => {
  o = await startOrchestrator({ TASK_MAX_ATTEMPTS: "1" });
  reconciler = createReconciler(o, { intervalMs: 50, afterMs: 1000, maxRevivals: 2 });
});
afterAll(async () => {
  await reconciler?.stop();
  await o?.close();
});

const TRACE = { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" };
const eventTypes = async (id: string) => (await o.taskEvents.range("task", id)).map((e) => e.event.type);
const age = (table: "tasks" | "runs", id: string) =>
  o.db.$executeRawUnsafe(`UPDATE "${table}" SET updated_at = now() - interval '1 minute' WHERE id = $1::uuid`, id);

/** A row as if the process had crashed right after committing it: no job. */
async function orphanRow(status: "queued" | "running" | "deferred" = "queued", deferredUntil?: Date) {
  const id = newId();
  await o.db.task.create({
    data: { id, persona_id: "ai-elon", input: uniqueInput("orphan"), trace: TRACE, status, deferred_until: deferredUntil ?? null },
  });
  await age("tasks", id);
  return id;
}

/** A task whose job was dead-lettered while its row stayed running (the failure could not be recorded). */
async function deadLettered() {
  const task = await createTask(o);
  const held = await takeJob(o, task.id);
  await o.lifecycle.task({ id: task.id, to: "running", set: { attempts: 1 }, event: { type: "task.started", attempt: 1 } });
  await held.job.moveToFailed(new UnrecoverableError("Can't reach database server"), held.token);
  await held.release();
  await age("tasks", task.id);
  return task.id;
}

describe("reconciler: tasks", () => {
  it("enqueues a queued row that has no job, with its trace context", async () => {
    const id = await orphanRow();
    expect(await o.queue.getJob(id)).toBeUndefined();
    const done = await reconciler.reconcileOnce();
    expect(done["task.requeued"]).toBeGreaterThanOrEqual(1);
    const job = await o.queue.getJob(id);
    expect(job?.data).toEqual({ task_id: id, trace: TRACE });
    expect(await job?.getState()).toBe("waiting");
    expect(await o.metrics.registry.getSingleMetricAsString("reconciler_actions_total")).toMatch(
      /reconciler_actions_total\{action="task.requeued",service="orchestrator"\} [1-9]/,
    );
  });

  it("queues a running task whose job vanished (Redis lost it) again, and tells its viewers", async () => {
    const id = await orphanRow("running");
    await reconciler.reconcileOnce();
    expect((await o.db.task.findUniqueOrThrow({ where: { id } })).status).toBe("queued");
    expect(await (await o.queue.getJob(id))?.getState()).toBe("waiting");
    const [queued] = await o.taskEvents.range("task", id);
    expect(queued?.event).toMatchObject({ type: "task.queued", reason: expect.stringMatching(/job was lost/) });
  });

  it("revives a task dead-lettered while unfinished, then fails it with a reason once revivals run out", async () => {
    const id = await deadLettered();
    await reconciler.reconcileOnce();
    let task = await o.db.task.findUniqueOrThrow({ where: { id } });
    expect(task).toMatchObject({ status: "queued", revivals: 1 });
    expect(await (await o.queue.getJob(id))?.getState()).toBe("waiting");
    expect((await eventTypes(id)).at(-1)).toBe("task.queued");

    for (let revival = 2; revival <= 3; revival++) {
      const held = await takeJob(o, id);
      await o.lifecycle.task({ id, to: "running", event: { type: "task.started", attempt: 1 } });
      await held.job.moveToFailed(new UnrecoverableError("Can't reach database server"), held.token);
      await held.release();
      await age("tasks", id);
      await reconciler.reconcileOnce();
    }
    task = await o.db.task.findUniqueOrThrow({ where: { id } });
    expect(task).toMatchObject({ status: "failed", error_code: "dead_letter" });
    expect(task.error_message).toMatch(/Can't reach database server.*POST \/v1\/tasks\/.*\/retry/);
    expect((await eventTypes(id)).at(-1)).toBe("task.failed");
  });

  it("finishes a task whose post was published as succeeded, without a new job", async () => {
    const id = await orphanRow("running");
    await o.db.post.create({
      data: {
        id: newId(),
        task_id: id,
        persona_id: "ai-elon",
        hook: "h",
        body: "b",
        text: "🚀 h 🚀\n\nb",
        published_id: "1789",
        published_at: new Date(),
      },
    });
    await reconciler.reconcileOnce();
    expect((await o.db.task.findUniqueOrThrow({ where: { id } })).status).toBe("succeeded");
    expect(await o.queue.getJob(id)).toBeUndefined();
    const last = (await o.taskEvents.range("task", id)).at(-1);
    expect(last?.event).toMatchObject({ type: "task.succeeded", post: { published_id: "1789" } });
  });

  it("delays a new job to a deferred task's time when its delayed job vanished, leaving the task deferred", async () => {
    const until = new Date(Date.now() + 60_000);
    const id = await orphanRow("deferred", until);
    const done = await reconciler.reconcileOnce();
    expect(done["task.requeued"]).toBeGreaterThanOrEqual(1);
    const job = await o.queue.getJob(id);
    expect(await job?.getState()).toBe("delayed");
    // Due at the task's time (give or take the pass), not now.
    expect((job?.timestamp ?? 0) + (job?.delay ?? 0)).toBeGreaterThan(until.getTime() - 5_000);
    expect((await o.db.task.findUniqueOrThrow({ where: { id } })).status).toBe("deferred");
    // Its delayed job now owns it: the next pass leaves it alone.
    await age("tasks", id);
    await reconciler.reconcileOnce();
    const again = await o.queue.getJob(id);
    expect([await again?.getState(), again?.timestamp]).toEqual(["delayed", job?.timestamp]);
    expect(await eventTypes(id)).toEqual([]);

    // One whose time has passed is queued to run now.
    const overdue = await orphanRow("deferred", new Date(Date.now() - 1000));
    await reconciler.reconcileOnce();
    expect(await (await o.queue.getJob(overdue))?.getState()).toBe("waiting");
  });

  it("leaves young rows and tasks whose job will run alone", async () => {
    const young = newId();
    await o.db.task.create({ data: { id: young, persona_id: "ai-elon", input: uniqueInput("young") } });
    const healthy = await createTask(o);
    await age("tasks", healthy.id);
    await reconciler.reconcileOnce();
    expect(await o.queue.getJob(young)).toBeUndefined();
    expect(await eventTypes(healthy.id)).toEqual(["task.queued"]);
    expect((await o.queue.getJobs(["waiting"], 0, -1)).filter((j) => j.id === healthy.id)).toHaveLength(1);
  });

  it("is safe to run from several replicas at once: one job per task", async () => {
    const id = await orphanRow();
    const other = createReconciler(o, { intervalMs: 50, afterMs: 1000, maxRevivals: 2 });
    await Promise.all([reconciler.reconcileOnce(), other.reconcileOnce(), reconciler.reconcileOnce()]);
    await reconciler.reconcileOnce();
    expect((await o.queue.getJobs(["waiting"], 0, -1)).filter((j) => j.id === id)).toHaveLength(1);
  });

  it("runs on its interval once started", async () => {
    const id = await orphanRow();
    reconciler.start();
    try {
      await expect.poll(async () => (await o.queue.getJob(id))?.id, { timeout: 5_000 }).toBe(id);
    } finally {
      await reconciler.stop();
    }
  });
});

describe("reconciler: runs", () => {
  async function newRun(status: "queued" | "running") {
    const res = await o.app.inject({
      method: "POST",
      url: "/v1/runs",
      payload: { repo_url: "https://github.com/acme/widgets", prompt: "p", variations: 2 },
    });
    const run = res.json() as { id: string };
    if (status === "running") await o.lifecycle.run({ id: run.id, to: "running", event: null });
    return run.id;
  }

  it("queues a run whose job vanished again", async () => {
    const id = await newRun("running");
    await o.runQueue.remove(id);
    await age("runs", id);
    await reconciler.reconcileOnce();
    expect(await (await o.runQueue.getJob(id))?.getState()).toBe("waiting");
  });

  it("fails a run whose job keeps being dead-lettered, with its variations", async () => {
    const id = await newRun("running");
    await o.db.run.update({ where: { id }, data: { revivals: 2 } });
    const job = await o.runQueue.getJob(id);
    await job?.remove();
    await o.runQueue.add("run", { run_id: id }, { jobId: id, attempts: 1 });
    const { Worker } = await import("bullmq");
    const { Redis } = await import("ioredis");
    const connection = new Redis(o.config.REDIS_URL, { maxRetriesPerRequest: null });
    const worker = new Worker("agent-runs", null, { connection, prefix: o.config.REDIS_PREFIX, autorun: false });
    let held = await worker.getNextJob("t", { block: false });
    while (held && held.id !== id) {
      await held.moveToFailed(new Error("not this one"), "t");
      held = await worker.getNextJob("t", { block: false });
    }
    await held?.moveToFailed(new UnrecoverableError("launcher crashed"), "t");
    await worker.close();
    connection.disconnect();
    await age("runs", id);
    await reconciler.reconcileOnce();
    const run = await o.db.run.findUniqueOrThrow({ where: { id }, include: { variations: true } });
    expect(run.status).toBe("failed");
    expect(run.variations.every((v) => v.status === "failed" && /launcher crashed/.test(v.reason ?? ""))).toBe(true);
    expect((await o.runEvents.range("run", id)).at(-1)?.event).toMatchObject({ type: "run.completed", status: "failed" });
  });

  it("closes variations left unfinished under a finished run", async () => {
    const id = await newRun("running");
    await o.db.run.update({ where: { id }, data: { status: "cancelled", finished_at: new Date() } });
    await reconciler.reconcileOnce();
    const variations = await o.db.variation.findMany({ where: { run_id: id } });
    expect(variations.map((v) => v.status)).toEqual(["cancelled", "cancelled"]);
  });
});
