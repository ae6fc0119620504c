import { type CreateTask, newId, TASK_INPUT_MAX_CHARS } from "@threads-agent/contracts";
import { claimFreshestTrend, insertTask, isForeignKeyViolation, rawSql, type TaskWithPost, trendInput } from "@threads-agent/db";
import { Unprocessable } from "@threads-agent/http";
import { injectTraceContext, inSpan, withEntity } from "@threads-agent/observability";
import type { OrchestratorDeps } from "../deps.ts";
import { requestLatency } from "../metrics.ts";
import { assertRedisReady } from "../redis.ts";
import { addJob } from "./task-queue.ts";
import { chooseTopic } from "./topic-choice.ts";

export type Submission = Omit<CreateTask, "review"> & {
  review?: boolean;
  /** The persona schedule's slot creating it: a second task for the same slot is refused by the unique index. */
  slotAt?: Date;
  /**
   * With no input and no unused trend: the persona's own topics (the original POST /task's
   * behaviour) instead of a 422.
   */
  topicFallback?: boolean;
  /** Chosen by the caller so an Idempotency-Key can be claimed for it before the row exists. */
  id?: string;
  /** The client's W3C trace headers, so the task's trace continues the caller's. */
  traceHeaders?: Record<string, string>;
};

/**
 * Accepts a task: the row and its `task.queued` (or `task.scheduled`) event commit in one
 * statement, the relay publishes the event, then the job is enqueued (delayed to `publish_at` for
 * a scheduled one). If the enqueue fails the task is still accepted: the reconciler enqueues
 * queued and scheduled rows that have no job, so nothing accepted is lost. A task without input
 * takes the persona's freshest unused trend in the same transaction (marked used only if the task
 * commits); none is a 422 naming `input`, unless `topicFallback` lets the persona's topics answer.
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
        const publishAt = submission.publish_at ? new Date(submission.publish_at) : null;
        const row = (input: string, taskType: CreateTask["task_type"], trendId: string | null) => ({
          id,
          persona_id: submission.persona_id,
          task_type: taskType,
          input,
          trace,
          publish_at: publishAt,
          review: submission.review ?? false,
          trend_id: trendId,
          slot_at: submission.slotAt ?? null,
        });
        const given = submission.input;
        // With its input given, the task is one statement (row and event): no transaction around it.
        const inserting =
          given !== undefined
            ? insertTask(rawSql(deps.db), row(given, submission.task_type, null))
            : deps.db.$transaction(async (tx) => {
                const trend = await claimFreshestTrend(tx, submission.persona_id);
                if (trend) return insertTask(tx, row(trendInput(trend, TASK_INPUT_MAX_CHARS), "trend", trend.id));
                const persona = await tx.persona.findUnique({ where: { id: submission.persona_id }, select: { id: true } });
                if (!persona) throw unknownPersona(submission.persona_id);
                const topic = submission.topicFallback ? await chooseTopic(deps, submission.persona_id) : null;
                if (!topic) throw noTrend(submission.persona_id);
                return insertTask(tx, row(topic.input, submission.task_type, null));
              });
        const created = await inserting.catch((err: unknown) => {
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
          const delayMs = created.row.status === "scheduled" && publishAt ? publishAt.getTime() - Date.now() : 0;
          await addJob(deps.taskQueue, created.row, deps.jobs, delayMs);
          latency.observe({ phase: "enqueue" }, (performance.now() - enqueueing) / 1000);
        } catch (err) {
          deps.logger.warn({ err, task_id: id }, "task committed but not enqueued; the reconciler will enqueue it");
        }
        await announced;
        return created.row;
      }),
  );
}

function noTrend(personaId: string): Unprocessable {
  return new Unprocessable(
    `Persona ${JSON.stringify(personaId)} has no unused trend to write about: give an input, or add a feed with POST /v1/trend-sources (GET /v1/trends?persona_id=${personaId}&unused=true lists what is left)`,
    "no-unused-trend",
    [{ field: "input", message: "required: the persona has no unused trend" }],
  );
}

function unknownPersona(personaId: string): Unprocessable {
  return new Unprocessable(
    `There is no persona ${JSON.stringify(personaId)}; GET /v1/personas lists the ones that exist`,
    "unknown-persona",
    [{ field: "persona_id", message: `no persona ${JSON.stringify(personaId)}` }],
  );
}
