import { fitsThreads, THREADS_MAX_CHARS, threadsLength } from "@threads-agent/contracts";
import { EntityNotFound, findTask, IllegalTransition, type TaskWithPost } from "@threads-agent/db";
import { Conflict, NotFound, Unprocessable } from "@threads-agent/http";
import { inSpan, linkTo, withEntity } from "@threads-agent/observability";
import type { OrchestratorDeps } from "../deps.ts";
import { assertRedisReady } from "../redis.ts";
import { enqueueTask } from "./task-queue.ts";

function notInReview(status: string, action: "approved" | "rejected"): Conflict {
  return new Conflict(`Task is ${status}; only a task awaiting_review can be ${action}`, "task-not-in-review");
}

async function inReview(deps: OrchestratorDeps, id: string, action: "approved" | "rejected"): Promise<TaskWithPost> {
  const task = await findTask(deps.db, id);
  if (!task) throw new NotFound("Task", id);
  if (task.status !== "awaiting_review" || !task.post) throw notInReview(task.status, action);
  return task;
}

/**
 * Approves a draft: an edited text is checked first (Threads' length rule, then the pipeline's
 * guardrail in persona-runtime: 422 naming `text` when either refuses it). Then, in one
 * transaction, the post takes the text, `task.approved` is recorded and the task moves on:
 * `scheduled` until its publish_at when that is ahead (its job delayed to it), else `queued`.
 * The worker then publishes the stored post; it is never generated again.
 */
export async function approveTask(deps: OrchestratorDeps, id: string, edit: { text?: string | undefined }): Promise<TaskWithPost> {
  assertRedisReady(deps.redis);
  const task = await inReview(deps, id, "approved");
  const post = task.post as NonNullable<TaskWithPost["post"]>;
  const text = edit.text?.trim();
  const edited = text !== undefined && text !== post.text;
  if (edited) {
    if (!fitsThreads(text)) {
      throw new Unprocessable(
        `The text is ${threadsLength(text)} characters as Threads counts them; the limit is ${THREADS_MAX_CHARS}`,
        "text-too-long",
        [
          {
            field: "text",
            message: `${threadsLength(text)} characters as Threads counts them (emoji count as their UTF-8 bytes); at most ${THREADS_MAX_CHARS}`,
          },
        ],
      );
    }
    const verdict = await deps.guardrail.check(text);
    if (!verdict.allowed) {
      throw new Unprocessable(`The guardrail refused the edited text: ${verdict.reason ?? "blocked"}`, "guardrail-blocked", [
        { field: "text", message: verdict.reason ?? "blocked by the guardrail" },
      ]);
    }
  }
  const now = new Date();
  const later = task.publish_at && task.publish_at.getTime() > now.getTime() ? task.publish_at : null;
  return withEntity({ "task.id": id }, () =>
    inSpan(
      "orchestrator",
      "task.approve",
      { attributes: { "task.id": id, "task.edited": edited }, links: linkTo(task.trace) },
      async () => {
        try {
          await deps.lifecycle.together(async (t) => {
            if (edited) await t.tx.post.update({ where: { id: post.id }, data: { text } });
            await t.event({ entity: "task", id }, { type: "task.approved", edited, text: edited ? text : post.text });
            await t.task({
              id,
              to: later ? "scheduled" : "queued",
              from: ["awaiting_review"],
              set: { approved_at: now },
              event: later ? { type: "task.scheduled", publish_at: later.toISOString() } : { type: "task.queued", reason: "approved" },
            });
          });
        } catch (err) {
          if (err instanceof EntityNotFound) throw new NotFound("Task", id);
          if (err instanceof IllegalTransition) throw notInReview(err.from, "approved");
          throw err;
        }
        deps.logger.info({ task_id: id, edited, publish_at: later?.toISOString() ?? null }, "draft approved");
        const row = (await findTask(deps.db, id)) as TaskWithPost;
        try {
          // The job that wrote the draft has completed: enqueueTask replaces it (adding its id again would be a no-op).
          await enqueueTask(deps.taskQueue, row, deps.jobs, later ? later.getTime() - Date.now() : 0);
        } catch (err) {
          deps.logger.warn({ err, task_id: id }, "approved task not enqueued; the reconciler will enqueue it");
        }
        return row;
      },
    ),
  );
}

/** Rejects a draft: the task ends `rejected` with the reason (as its error), nothing published. */
export async function rejectTask(deps: OrchestratorDeps, id: string, reason: string): Promise<TaskWithPost> {
  const task = await inReview(deps, id, "rejected");
  try {
    await deps.lifecycle.task({
      id,
      to: "rejected",
      from: ["awaiting_review"],
      set: { error_code: "rejected", error_message: reason, finished_at: new Date() },
      event: { type: "task.rejected", reason },
    });
  } catch (err) {
    if (err instanceof EntityNotFound) throw new NotFound("Task", id);
    if (err instanceof IllegalTransition) throw notInReview(err.from, "rejected");
    throw err;
  }
  deps.metrics
    .counter("posts_generated_total", "Tasks finished, by persona and final status", ["persona_id", "status"])
    .inc({ persona_id: task.persona_id, status: "rejected" });
  deps.logger.info({ task_id: id }, "draft rejected");
  return (await findTask(deps.db, id)) as TaskWithPost;
}
