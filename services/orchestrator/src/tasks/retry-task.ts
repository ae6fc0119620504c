import { redisKeys, type TaskStatus } from "@threads-agent/contracts";
import { EntityNotFound, findTask, IllegalTransition, type TaskWithPost } from "@threads-agent/db";
import { Conflict, NotFound } from "@threads-agent/http";
import { inSpan, linkTo, withEntity } from "@threads-agent/observability";
import type { OrchestratorDeps } from "../deps.ts";
import { assertRedisReady } from "../redis.ts";
import { enqueueTask } from "./task-queue.ts";

/** Guardrail blocks and successes are final; failures and cancellations can run again. */
export const RETRYABLE_STATUSES: readonly TaskStatus[] = ["failed", "cancelled"];

/**
 * Queues a failed or cancelled task again under the same id: the transition (conditional on the
 * status, so two concurrent retries queue it once) commits with its `task.queued`, then the job is
 * enqueued; a dead letter left from the last run is replaced, since adding an existing id is a no-op.
 */
export async function retryTask(deps: OrchestratorDeps, id: string): Promise<TaskWithPost> {
  assertRedisReady(deps.redis);
  const before = await deps.db.task.findUnique({ where: { id }, select: { trace: true } });
  // The retried attempts run in this request's trace, linked to the one the task was created in.
  return withEntity({ "task.id": id }, () =>
    inSpan("orchestrator", "task.retry", { attributes: { "task.id": id }, links: linkTo(before?.trace) }, () => retryNow(deps, id)),
  );
}

async function retryNow(deps: OrchestratorDeps, id: string): Promise<TaskWithPost> {
  const current = await deps.db.task.findUnique({ where: { id }, select: { publish_at: true, review: true, approved_at: true } });
  // A task whose publish time is still ahead waits for it again (unless a draft must be reviewed first).
  const waitsFor =
    current?.publish_at && current.publish_at.getTime() > Date.now() && (!current.review || current.approved_at)
      ? current.publish_at
      : null;
  try {
    await deps.lifecycle.task({
      id,
      to: waitsFor ? "scheduled" : "queued",
      from: RETRYABLE_STATUSES,
      set: { error_code: null, error_message: null, started_at: null, finished_at: null, revivals: 0 },
      event: waitsFor ? { type: "task.scheduled", publish_at: waitsFor.toISOString() } : { type: "task.queued", reason: "retried" },
    });
  } catch (err) {
    if (err instanceof EntityNotFound) throw new NotFound("Task", id);
    if (err instanceof IllegalTransition) {
      throw new Conflict(`Task is ${err.from}; only failed or cancelled tasks can be retried`, "task-not-retryable");
    }
    throw err;
  }
  deps.logger.info({ task_id: id }, "task queued again");
  // A cancel request left for the last run must not stop this one.
  await deps.redis.del(redisKeys(deps.config.REDIS_PREFIX).cancelTask(id));
  const row = (await findTask(deps.db, id)) as TaskWithPost;
  try {
    await enqueueTask(deps.taskQueue, row, deps.jobs, waitsFor ? waitsFor.getTime() - Date.now() : 0);
  } catch (err) {
    deps.logger.warn({ err, task_id: id }, "retried task not enqueued; the reconciler will enqueue it");
  }
  return row;
}
