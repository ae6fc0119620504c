import { redisKeys } from "@threads-agent/contracts";
import { EntityNotFound, findTask, IllegalTransition, isTerminal, TASK_LIFECYCLE, type TaskWithPost } from "@threads-agent/db";
import { Conflict, NotFound } from "@threads-agent/http";
import { inSpan, linkTo, withEntity } from "@threads-agent/observability";
import type { OrchestratorDeps } from "../deps.ts";
import { assertRedisReady } from "../redis.ts";
import { withdrawJob } from "./task-queue.ts";

/** How long a cancel request waits for the worker holding the task; longer than any job runs. */
const CANCEL_REQUEST_SECONDS = 24 * 3600;

/** `cancelled`: done here. `cancelling`: a worker holds the task and will stop it and emit `task.cancelled`. */
export type Cancellation = { task: TaskWithPost; outcome: "cancelled" | "cancelling" };

/**
 * Cancels a queued, running, deferred, scheduled or awaiting_review task. A job no worker holds is removed and the task cancelled here;
 * a job a worker holds cannot be removed, so the request is left in Redis for that worker (the
 * one writer of a running task's end).
 */
export async function cancelTask(deps: OrchestratorDeps, id: string): Promise<Cancellation> {
  assertRedisReady(deps.redis);
  const task = await deps.db.task.findUnique({
    where: { id },
    select: { status: true, trace: true, persona_id: true, post: { select: { publish_attempted_at: true, published_id: true } } },
  });
  if (!task) throw new NotFound("Task", id);
  // A span of its own, linked to the trace the task runs in (the cancel is a request of its own).
  return withEntity({ "task.id": id }, () =>
    inSpan(
      "orchestrator",
      "task.cancel",
      { attributes: { "task.id": id, "task.status": task.status }, links: linkTo(task.trace) },
      async (span) => {
        const cancellation = await cancelNow(deps, id, task);
        span.setAttribute("task.cancel.outcome", cancellation.outcome);
        return cancellation;
      },
    ),
  );
}

async function cancelNow(
  deps: OrchestratorDeps,
  id: string,
  task: { status: string; persona_id: string; post: { publish_attempted_at: Date | null; published_id: string | null } | null },
): Promise<Cancellation> {
  if (isTerminal(TASK_LIFECYCLE, task.status as never)) throw notCancellable(task.status);
  // A publish was claimed and may have happened: the task has to find out (and finish) first.
  if (task.post?.publish_attempted_at && !task.post.published_id) {
    throw new Conflict(
      "The task's post is being published to Threads and may already be live; it can no longer be cancelled",
      "task-publishing",
    );
  }

  if ((await withdrawJob(deps.taskQueue, id)) === "active") {
    await deps.redis.set(redisKeys(deps.config.REDIS_PREFIX).cancelTask(id), new Date().toISOString(), "EX", CANCEL_REQUEST_SECONDS);
    deps.logger.info({ task_id: id }, "cancel requested from the worker running the task");
    return { task: (await findTask(deps.db, id)) as TaskWithPost, outcome: "cancelling" };
  }
  try {
    await deps.lifecycle.task({
      id,
      to: "cancelled",
      from: ["queued", "running", "deferred", "scheduled", "awaiting_review"],
      set: { finished_at: new Date() },
      event: { type: "task.cancelled" },
    });
  } catch (err) {
    // It finished while the job was being removed.
    if (err instanceof IllegalTransition) throw notCancellable(err.from);
    if (err instanceof EntityNotFound) throw new NotFound("Task", id);
    throw err;
  }
  deps.metrics
    .counter("posts_generated_total", "Tasks finished, by persona and final status", ["persona_id", "status"])
    .inc({ persona_id: task.persona_id, status: "cancelled" });
  deps.logger.info({ task_id: id, previous_status: task.status }, "task cancelled");
  return { task: (await findTask(deps.db, id)) as TaskWithPost, outcome: "cancelled" };
}

function notCancellable(status: string): Conflict {
  return new Conflict(
    `Task already ${status}; only queued, running, deferred, scheduled or awaiting_review tasks can be cancelled`,
    "task-not-cancellable",
  );
}
