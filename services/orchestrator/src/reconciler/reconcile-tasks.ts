import { context, ROOT_CONTEXT, type Span, SpanStatusCode } from "@opentelemetry/api";
import { IllegalTransition, type PostRow, toPost } from "@threads-agent/db";
import { extractTraceContext, inSpan } from "@threads-agent/observability";
import type { OrchestratorDeps } from "../deps.ts";
import { addJob } from "../tasks/task-queue.ts";
import type { ReconcileAction, ReconcileOptions } from "./reconcile-types.ts";

const BATCH = 100;

type Unfinished = {
  id: string;
  status: "queued" | "running" | "deferred" | "scheduled";
  trace: unknown;
  revivals: number;
  deferred_until: Date | null;
  publish_at: Date | null;
  post: PostRow | null;
};

/**
 * Every queued or running task has an owner: its BullMQ job (waiting, delayed, active: a worker's
 * lock is the lease, and BullMQ's stalled check hands an expired one to another worker). A task
 * whose job is gone (Redis restarted empty, never enqueued) is queued again under the same id; one
 * whose job was dead-lettered while the task stayed unfinished (its failure could not be recorded,
 * e.g. PostgreSQL was down) is revived a bounded number of times, then failed with a reason. A
 * task whose post was already published is finished as succeeded, never published again. A
 * deferred task is owned by its delayed job; if that vanished, a new one is delayed to the task's
 * `deferred_until` (the task stays deferred).
 */
export async function reconcileTasks(
  deps: OrchestratorDeps,
  options: ReconcileOptions,
  count: (a: ReconcileAction) => void,
): Promise<void> {
  const cutoff = new Date(options.now - options.afterMs);
  let after: string | undefined;
  let checked = 0;
  while (checked < options.maxPerPass) {
    const batch = (await deps.db.task.findMany({
      // awaiting_review has no job to lose: a person owns it.
      where: {
        status: { in: ["queued", "running", "deferred", "scheduled"] },
        updated_at: { lt: cutoff },
        ...(after ? { id: { gt: after } } : {}),
      },
      orderBy: { id: "asc" },
      take: BATCH,
      select: { id: true, status: true, trace: true, revivals: true, deferred_until: true, publish_at: true, post: true },
    })) as Unfinished[];
    if (batch.length === 0) return;
    checked += batch.length;
    after = batch[batch.length - 1]?.id;
    await Promise.all(
      batch.map((task) =>
        reconcileTask(deps, options, task).then(count, (err: unknown) => {
          deps.logger.warn({ err, task_id: task.id }, "reconciling the task failed; the next pass tries again");
        }),
      ),
    );
    if (batch.length < BATCH) return;
  }
}

async function reconcileTask(deps: OrchestratorDeps, options: ReconcileOptions, task: Unfinished): Promise<ReconcileAction> {
  const log = deps.logger.child({ task_id: task.id, status: task.status });
  try {
    const post = task.post;
    // (A deferred or scheduled task has not published: it waits to.)
    if (post?.published_id && task.status !== "deferred" && task.status !== "scheduled") {
      await inTaskTrace(task, "reconciler.finish", () =>
        deps.lifecycle.task({
          id: task.id,
          to: "succeeded",
          from: [task.status],
          set: { error_code: null, error_message: null, finished_at: new Date() },
          event: { type: "task.succeeded", post: toPost(post) },
        }),
      );
      finished(deps, task.id, "succeeded");
      await deps.taskQueue.remove(task.id);
      log.warn({ published_id: post.published_id }, "task was published but not finished: finished it as succeeded");
      return "task.finished";
    }

    const job = await deps.taskQueue.getJob(task.id);
    const state = job ? await job.getState() : "missing";
    if (state === "waiting" || state === "delayed" || state === "active" || state === "prioritized" || state === "waiting-children") {
      return "none";
    }

    if (state === "failed") {
      const cause = job?.failedReason || "unknown error";
      if (task.revivals >= options.maxRevivals) {
        const message = `its job failed ${task.revivals + 1} times without the task recording an outcome (last: ${cause}); retry it with POST /v1/tasks/${task.id}/retry`;
        await inTaskTrace(task, "reconciler.fail", (span) => {
          span.setStatus({ code: SpanStatusCode.ERROR, message });
          return deps.lifecycle.task({
            id: task.id,
            to: "failed",
            from: [task.status],
            set: { error_code: "dead_letter", error_message: message, finished_at: new Date() },
            event: { type: "task.failed", error: { code: "dead_letter", message } },
          });
        });
        finished(deps, task.id, "failed");
        log.warn({ cause }, "task's job kept failing while the task stayed unfinished: failed it");
        return "task.failed";
      }
      await requeue(deps, task, `its last attempt failed without recording an outcome (${cause}); queued again`, true);
      log.warn({ cause, revivals: task.revivals + 1 }, "task's job was dead-lettered while the task was unfinished: queued it again");
      return "task.revived";
    }

    // missing, unknown or completed: nothing will run it.
    await requeue(
      deps,
      task,
      task.status === "deferred" || task.status === "scheduled"
        ? "its delayed job was lost (Redis restarted or was flushed); delayed again to its time"
        : "its job was lost (Redis restarted or was flushed); queued again",
      false,
    );
    log.warn({ job_state: state }, "task had no job that will run: queued it again");
    return "task.requeued";
  } catch (err) {
    // It moved on (a worker finished it) between the read and the change: nothing to do.
    if (err instanceof IllegalTransition) return "none";
    throw err;
  }
}

/**
 * What the reconciler does to a task happens in the task's own trace (a span under the request
 * that created it), so a trace tells the task's whole story, the job it lost included.
 */
function inTaskTrace<T>(task: Unfinished, name: string, fn: (span: Span) => Promise<T>): Promise<T> {
  const carrier = task.trace && typeof task.trace === "object" ? (task.trace as Record<string, string>) : undefined;
  return context.with(extractTraceContext(carrier, ROOT_CONTEXT), () =>
    inSpan("orchestrator", name, { attributes: { "task.id": task.id, "task.status": task.status } }, fn),
  );
}

/** The task's final status, counted like the worker counts the ones it sets. */
function finished(deps: OrchestratorDeps, taskId: string, status: "succeeded" | "failed"): void {
  void deps.db.task
    .findUnique({ where: { id: taskId }, select: { persona_id: true } })
    .then((row) => {
      if (row)
        deps.metrics
          .counter("posts_generated_total", "Tasks finished, by persona and final status", ["persona_id", "status"])
          .inc({ persona_id: row.persona_id, status });
    })
    .catch(() => {});
}

function requeue(deps: OrchestratorDeps, task: Unfinished, reason: string, revival: boolean): Promise<void> {
  return inTaskTrace(task, "reconciler.requeue", (span) => {
    span.setAttribute("reconciler.reason", reason);
    return requeueNow(deps, task, reason, revival);
  });
}

async function requeueNow(deps: OrchestratorDeps, task: Unfinished, reason: string, revival: boolean): Promise<void> {
  const revivals = task.revivals + (revival ? 1 : 0);
  if (task.status === "running") {
    await deps.lifecycle.task({ id: task.id, to: "queued", from: ["running"], set: { revivals }, event: { type: "task.queued", reason } });
  } else if (revival) {
    // Already queued or deferred: only the count changes (not a status change).
    await deps.db.task.updateMany({ where: { id: task.id, status: task.status }, data: { revivals } });
  }
  // A finished job would swallow the add: 0 when a worker holds a fresh one, which is then the owner.
  await deps.taskQueue.remove(task.id);
  // A deferred or scheduled task's new job waits for the task's time, as the lost one did.
  const due = task.status === "deferred" ? task.deferred_until : task.status === "scheduled" ? task.publish_at : null;
  const delayMs = due ? Math.max(0, due.getTime() - Date.now()) : 0;
  await addJob(deps.taskQueue, task, deps.jobs, delayMs);
}
