import { newId } from "@threads-agent/contracts";
import { createMetrics } from "@threads-agent/observability";
import { UnrecoverableError } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTask, type Orchestrator, startOrchestrator, takeJob, uniqueInput } from "../test-fixture.ts";
import { createSweeper, type Sweeper } from "./sweeper.ts";

let o: Orchestrator;
let sweeper: Sweeper;

beforeAll(async () => {
  o = await startOrchestrator({ TASK_MAX_ATTEMPTS: "1" });
  sweeper = createSweeper(o.ctx, o.metrics, { intervalMs: 50, afterMs: 1000 });
});
afterAll(async () => {
  await sweeper?.stop();
  await o?.close();
});

/** A row as if the process had crashed right after committing it: no job, no event. */
async function orphanRow(ageMs: number) {
  const id = newId();
  const at = new Date(Date.now() - ageMs);
  await o.db.task.create({
    data: {
      id,
      persona_id: "ai-elon",
      input: uniqueInput("orphan"),
      trace: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" },
    },
  });
  // @updatedAt cannot be set through the client on create; backdate with SQL.
  await o.db.$executeRaw`UPDATE tasks SET created_at = ${at}, updated_at = ${at} WHERE id = ${id}::uuid`;
  return id;
}

describe("sweeper", () => {
  it("enqueues a queued row that has no job, with its trace context, and appends the missing task.queued", async () => {
    const id = await orphanRow(5_000);
    expect(await o.queue.getJob(id)).toBeUndefined();
    expect(await sweeper.sweepOnce()).toBeGreaterThanOrEqual(1);
    const job = await o.queue.getJob(id);
    expect(job?.data).toEqual({ task_id: id, trace: { traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" } });
    expect(await job?.getState()).toBe("waiting");
    expect((await o.ctx.events.range("task", id)).map((e) => e.event.type)).toEqual(["task.queued"]);
    expect(await o.metrics.registry.getSingleMetricAsString("tasks_swept_total")).toMatch(
      /tasks_swept_total\{service="orchestrator"\} [1-9]/,
    );
  });

  it("leaves young rows alone (their submit may still be enqueueing) and tasks whose job is waiting", async () => {
    const young = await orphanRow(0);
    const healthy = await createTask(o);
    await o.db.$executeRaw`UPDATE tasks SET updated_at = now() - interval '1 minute' WHERE id = ${healthy.id}::uuid`;
    await sweeper.sweepOnce();
    expect(await o.queue.getJob(young)).toBeUndefined();
    expect((await o.ctx.events.range("task", healthy.id)).map((e) => e.event.type)).toEqual(["task.queued"]);
    const jobs = (await o.queue.getJobs(["waiting"], 0, -1)).filter((j) => j.id === healthy.id);
    expect(jobs).toHaveLength(1);
  });

  it("is safe to run from several replicas at once: one job per task", async () => {
    const id = await orphanRow(5_000);
    // Another replica: its own process, its own registry.
    const other = createSweeper(o.ctx, createMetrics("orchestrator"), { intervalMs: 50, afterMs: 1000 });
    await Promise.all([sweeper.sweepOnce(), other.sweepOnce(), sweeper.sweepOnce()]);
    const jobs = (await o.queue.getJobs(["waiting"], 0, -1)).filter((j) => j.id === id);
    expect(jobs).toHaveLength(1);
  });

  it("replaces a dead letter left behind for a task that is queued again", async () => {
    const task = await createTask(o);
    const held = await takeJob(o, task.id);
    await held.job.moveToFailed(new UnrecoverableError("boom"), held.token);
    await held.release();
    await o.db.$executeRaw`UPDATE tasks SET updated_at = now() - interval '1 minute' WHERE id = ${task.id}::uuid`;
    await sweeper.sweepOnce();
    expect(await (await o.queue.getJob(task.id))?.getState()).toBe("waiting");
  });

  it("runs on its interval once started", async () => {
    const id = await orphanRow(5_000);
    sweeper.start();
    try {
      await expect.poll(async () => (await o.queue.getJob(id))?.id, { timeout: 5_000 }).toBe(id);
    } finally {
      await sweeper.stop();
    }
  });
});
