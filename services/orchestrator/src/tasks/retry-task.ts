import { redisKeys, type TaskStatus } from "@threads-agent/contracts";
import type { TaskWithPost } from "@threads-agent/db";
import { Conflict, NotFound } from "@threads-agent/http";
import { assertRedisReady } from "../redis.ts";
import { announce, type TaskContext } from "./task-context.ts";
import { enqueueTask } from "./task-queue.ts";

/** Guardrail blocks and successes are final; failures and cancellations can run again. */
export const RETRYABLE_STATUSES: readonly TaskStatus[] = ["failed", "cancelled"];

/**
 * Queues a failed or cancelled task again under the same id. The row changes first (conditional
 * on its status, so two concurrent retries queue it once), then the event and the job; a dead
 * letter left from the last run is replaced, because adding an existing job id is a no-op.
 */
export async function retryTask(ctx: TaskContext, id: string): Promise<TaskWithPost> {
  assertRedisReady(ctx.redis);
  const task = await ctx.db.task.findUnique({ where: { id }, select: { status: true } });
  if (!task) throw new NotFound("Task", id);
  const { count } = await ctx.db.task.updateMany({
    where: { id, status: { in: [...RETRYABLE_STATUSES] } },
    data: { status: "queued", error_code: null, error_message: null, started_at: null, finished_at: null },
  });
  if (count === 0) {
    const now = await ctx.db.task.findUnique({ where: { id }, select: { status: true } });
    throw new Conflict(`Task is ${now?.status ?? task.status}; only failed or cancelled tasks can be retried`, "task-not-retryable");
  }
  const row = await ctx.db.task.findUniqueOrThrow({ where: { id }, include: { post: true } });
  ctx.logger.info({ task_id: id, previous_status: task.status }, "task queued again");
  // A cancel request left for the last run must not stop this one.
  await ctx.redis.del(redisKeys(ctx.prefix).cancelTask(id)).catch(() => {});
  await announce(ctx, id, { type: "task.queued" });
  try {
    await enqueueTask(ctx.queue, row, ctx.jobs);
  } catch (err) {
    ctx.logger.warn({ err, task_id: id }, "retried task not enqueued; the sweeper will enqueue it");
  }
  return row;
}
