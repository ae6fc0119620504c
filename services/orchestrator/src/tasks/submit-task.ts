import { type CreateTask, newId } from "@threads-agent/contracts";
import { Prisma, type TaskWithPost } from "@threads-agent/db";
import { Unprocessable } from "@threads-agent/http";
import { injectTraceContext, inSpan } from "@threads-agent/observability";
import { assertRedisReady } from "../redis.ts";
import { announce, type TaskContext } from "./task-context.ts";
import { addJob } from "./task-queue.ts";

export type Submission = CreateTask & {
  /** Chosen by the caller so an Idempotency-Key can be claimed for it before the row exists. */
  id?: string;
  /** The client's W3C trace headers, so the task's trace continues the caller's. */
  traceHeaders?: Record<string, string>;
};

/**
 * Accepts a task: the row is committed first, then `task.queued` is appended and the job
 * enqueued. If either of those fails the task is still accepted: the sweeper enqueues queued
 * rows that have no job, so nothing accepted is lost.
 */
export async function submitTask(ctx: TaskContext, submission: Submission): Promise<TaskWithPost> {
  const id = submission.id ?? newId();
  // The row alone would be kept and swept later, but the client could not follow the task: refuse now.
  assertRedisReady(ctx.redis);

  return inSpan(
    "orchestrator",
    "task.submit",
    { carrier: submission.traceHeaders, attributes: { "task.id": id, "persona.id": submission.persona_id } },
    async () => {
      // This span is the root of the task's trace: the worker and persona-runtime continue it from here.
      const trace = injectTraceContext();
      const row = await ctx.db.task
        .create({
          data: { id, persona_id: submission.persona_id, task_type: submission.task_type, input: submission.input, trace },
          include: { post: true },
        })
        .catch((err: unknown) => {
          // An unknown persona is the foreign key's to catch: one round trip instead of a lookup first.
          if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2003") throw unknownPersona(submission.persona_id);
          throw err;
        });
      ctx.logger.info({ task_id: id, persona_id: row.persona_id, task_type: row.task_type }, "task accepted");
      await announce(ctx, id, { type: "task.queued" });
      try {
        await addJob(ctx.queue, row, ctx.jobs);
      } catch (err) {
        ctx.logger.warn({ err, task_id: id }, "task committed but not enqueued; the sweeper will enqueue it");
      }
      return row;
    },
  );
}

function unknownPersona(personaId: string): Unprocessable {
  return new Unprocessable(
    `There is no persona ${JSON.stringify(personaId)}; GET /v1/personas lists the ones that exist`,
    "unknown-persona",
    [{ field: "persona_id", message: `no persona ${JSON.stringify(personaId)}` }],
  );
}
