import { type ContentJob, contentJobOptions, QUEUES } from "@threads-agent/contracts";
import { queueTelemetry, withExtractedContext } from "@threads-agent/observability";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { assertRedisReady } from "../redis.ts";

export type ContentQueue = Queue<ContentJob>;

/** What happened when a task was handed to the queue. */
export type EnqueueOutcome = "added" | "already-queued" | "replaced";

/** Attempts and backoff of every content job (the worker reads them from the job). */
export type ContentJobPolicy = { attempts: number; backoffMs: number };

/**
 * The content queue on the shared connection. Every key carries the deployment prefix, so
 * deployments (and test files) sharing one Redis never see each other's jobs.
 */
export function createContentQueue(connection: Redis, prefix: string): ContentQueue {
  return new Queue<ContentJob>(QUEUES.content, { connection, prefix, telemetry: queueTelemetry() });
}

/**
 * Makes sure the task has a job that will run. The job id is the task id, so adding a job that
 * exists is a no-op: that makes this safe to call from every replica at once. A job left over in
 * a finished state (a retried task's dead letter) would swallow the add, so it is removed first.
 */
export async function enqueueTask(
  queue: ContentQueue,
  task: { id: string; trace?: unknown },
  settings: ContentJobPolicy,
  delayMs = 0,
): Promise<EnqueueOutcome> {
  assertRedisReady(connectionOf(queue));
  let outcome: EnqueueOutcome = "added";
  const existing = await queue.getJob(task.id);
  if (existing) {
    const state = await existing.getState();
    if (state !== "completed" && state !== "failed" && state !== "unknown") return "already-queued";
    // 0: another replica replaced it a moment ago and a worker holds the new job; the add is then a no-op.
    await queue.remove(task.id);
    outcome = "replaced";
  }
  await addJob(queue, task, settings, delayMs);
  return outcome;
}

/**
 * Adds the job of a task created a moment ago (or, with `delayMs`, of a deferred task whose job
 * was lost). No job can exist yet for a freshly minted id, so the leftover check of enqueueTask (a
 * round trip on every POST) is skipped.
 */
export async function addJob(
  queue: ContentQueue,
  task: { id: string; trace?: unknown },
  settings: ContentJobPolicy,
  delayMs = 0,
): Promise<void> {
  assertRedisReady(connectionOf(queue));
  const carrier = isTraceCarrier(task.trace) ? task.trace : undefined;
  const data: ContentJob = { task_id: task.id, ...(carrier ? { trace: carrier } : {}) };
  // Outside a request (the reconciler), the job's producer span joins the trace the task was created in.
  await withExtractedContext(carrier, () =>
    queue.add("content", data, {
      ...contentJobOptions(task.id, settings.attempts, settings.backoffMs),
      ...(delayMs > 0 ? { delay: delayMs } : {}),
    }),
  );
}

function isTraceCarrier(value: unknown): value is Record<string, string> {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length > 0 &&
    Object.values(value).every((v) => typeof v === "string")
  );
}

/** How a job was taken off the queue for a cancel. */
export type Withdrawal = "removed" | "active" | "missing";

/**
 * Takes a task's job off the queue unless a worker holds it (its lock): BullMQ's remove answers 0
 * for a locked job. A job between states (moved back to delayed for a retry, say) is tried again.
 */
export async function withdrawJob(queue: ContentQueue, taskId: string): Promise<Withdrawal> {
  assertRedisReady(connectionOf(queue));
  for (let attempt = 0; attempt < 3; attempt++) {
    const job = await queue.getJob(taskId);
    if (!job) return "missing";
    if ((await queue.remove(taskId)) === 1) return "removed";
    const state = await job.getState();
    if (state === "active") return "active";
    if (state === "unknown") return "missing";
  }
  return "active";
}

/** The connection the queue was built on (createContentQueue always passes one). */
export const connectionOf = (queue: Queue): Redis => queue.opts.connection as Redis;
