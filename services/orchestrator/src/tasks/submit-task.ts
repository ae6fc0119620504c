import { type CreateTask, newId } from "@threads-agent/contracts";
import { insertTask, isForeignKeyViolation, type TaskWithPost } from "@threads-agent/db";
import { Unprocessable } from "@threads-agent/http";
import { injectTraceContext, inSpan, withEntity } from "@threads-agent/observability";
import type { OrchestratorDeps } from "../deps.ts";
import { requestLatency } from "../metrics.ts";
import { assertRedisReady } from "../redis.ts";
import { addJob } from "./task-queue.ts";

export type Submission = CreateTask & {
  /** Chosen by the caller so an Idempotency-Key can be claimed for it before the row exists. */
  id?: string;
  /** The client's W3C trace headers, so the task's trace continues the caller's. */
  traceHeaders?: Record<string, string>;
};

/**
 * Accepts a task: the row and its `task.queued` event commit in one statement, the relay publishes
 * the event, then the job is enqueued. If the enqueue fails the task is still accepted: the
 * reconciler enqueues queued rows that have no job, so nothing accepted is lost.
 */
export async function submitTask(deps: OrchestratorDeps, submission: Submission): Promise<TaskWithPost> {
  const id = submission.id ?? newId();
  // The row alone would be kept and enqueued later, but the client could not follow the task: refuse now.
  assertRedisReady(deps.redis);

  return inSpan(
    "orchestrator",
    "task.submit",
    { carrier: submission.traceHeaders, attributes: { "task.id": id, "persona.id": submission.persona_id } },
    // The task's id travels with its trace (baggage): every service's log lines about it name it.
    () =>
      withEntity({ "task.id": id, "persona.id": submission.persona_id }, async () => {
        const latency = requestLatency(deps.metrics);
        const accepting = performance.now();
        // The worker and persona-runtime continue this trace (the request's) from here.
        const trace = injectTraceContext();
        const created = await insertTask(deps.db, {
          id,
          persona_id: submission.persona_id,
          task_type: submission.task_type,
          input: submission.input,
          trace,
        }).catch((err: unknown) => {
          // An unknown persona is the foreign key's to catch: one round trip instead of a lookup first.
          if (isForeignKeyViolation(err)) throw unknownPersona(submission.persona_id);
          throw err;
        });
        deps.logger.info({ task_id: id, persona_id: submission.persona_id, task_type: submission.task_type }, "task accepted");
        // The publish and the job go out together in one round trip: both are commands on the one
        // shared connection, which Redis runs in the order sent, so the task.queued event is in the
        // stream before any worker can take the job (and stream its progress after it).
        const announced = deps.relay.announce([created.announcement]);
        latency.observe({ phase: "accept" }, (performance.now() - accepting) / 1000);
        const enqueueing = performance.now();
        try {
          await addJob(deps.taskQueue, created.row, deps.jobs);
          latency.observe({ phase: "enqueue" }, (performance.now() - enqueueing) / 1000);
        } catch (err) {
          deps.logger.warn({ err, task_id: id }, "task committed but not enqueued; the reconciler will enqueue it");
        }
        await announced;
        return created.row;
      }),
  );
}

function unknownPersona(personaId: string): Unprocessable {
  return new Unprocessable(
    `There is no persona ${JSON.stringify(personaId)}; GET /v1/personas lists the ones that exist`,
    "unknown-persona",
    [{ field: "persona_id", message: `no persona ${JSON.stringify(personaId)}` }],
  );
}
