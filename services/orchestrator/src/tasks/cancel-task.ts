import { redisKeys, type TaskStatus, TERMINAL_TASK_STATUSES } from "@threads-agent/contracts";
import type { TaskWithPost } from "@threads-agent/db";
import { Conflict, NotFound } from "@threads-agent/http";
import { assertRedisReady } from "../redis.ts";
import { announce, type TaskContext } from "./task-context.ts";
import { withdrawJob } from "./task-queue.ts";

/** How long a cancel request waits for the worker holding the task; longer than any job runs. */
const CANCEL_REQUEST_SECONDS = 24 * 3600;

/** `cancelled`: done here. `cancelling`: a worker holds the task and will stop it and emit `task.cancelled`. */
export type Cancellation = { task: TaskWithPost; outcome: "cancelled" | "cancelling" };

/**
 * Cancels a queued or running task. A job no worker holds is removed and the row cancelled here;
 * a job a worker holds cannot be removed, so the request is left in Redis for that worker.
 */
export async function cancelTask(ctx: TaskContext, id: string): Promise<Cancellation> {
  assertRedisReady(ctx.redis);
  const task = await ctx.db.task.findUnique({ where: { id }, select: { status: true } });
  if (!task) throw new NotFound("Task", id);
  if (isFinal(task.status)) throw notCancellable(task.status);

  const withdrawal = await withdrawJob(ctx.queue, id);
  if (withdrawal === "active") {
    await ctx.redis.set(redisKeys(ctx.prefix).cancelTask(id), new Date().toISOString(), "EX", CANCEL_REQUEST_SECONDS);
    ctx.logger.info({ task_id: id }, "cancel requested from the worker running the task");
    return { task: await ctx.db.task.findUniqueOrThrow({ where: { id }, include: { post: true } }), outcome: "cancelling" };
  }

  const { count } = await ctx.db.task.updateMany({
    where: { id, status: { in: ["queued", "running"] } },
    data: { status: "cancelled", finished_at: new Date() },
  });
  if (count === 0) {
    // It finished while the job was being removed.
    const now = await ctx.db.task.findUniqueOrThrow({ where: { id }, select: { status: true } });
    throw notCancellable(now.status);
  }
  ctx.logger.info({ task_id: id, previous_status: task.status }, "task cancelled");
  await announce(ctx, id, { type: "task.cancelled" });
  return { task: await ctx.db.task.findUniqueOrThrow({ where: { id }, include: { post: true } }), outcome: "cancelled" };
}

const isFinal = (status: string) => TERMINAL_TASK_STATUSES.includes(status as TaskStatus);

function notCancellable(status: string): Conflict {
  return new Conflict(`Task already ${status}; only queued or running tasks can be cancelled`, "task-not-cancellable");
}
