import { SpanKind, trace } from "@opentelemetry/api";
import { ContentJob, QUEUES } from "@threads-agent/contracts";
import { logErrors, queueTelemetry, recordFailure, tracer, withEntity, withExtractedContext } from "@threads-agent/observability";
import { backoffDelay } from "@threads-agent/resilience";
import { DelayedError, type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { errorCode, errorMessage, PermanentError, RescheduleJob } from "./errors.ts";
import { type ContentDeps, processContentTask, recordFailure as recordTaskFailure } from "./processors/content.ts";

export type ContentWorkerOptions = {
  /** A connection for BullMQ's blocking commands (maxRetriesPerRequest: null). */
  connection: Redis;
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
};

/**
 * The BullMQ worker of the content queue. Job handlers steer the queue by what they throw:
 * TransientError → retried with backoff, PermanentError → UnrecoverableError (no retry),
 * RescheduleJob → the job delayed until its time (moveToDelayed + DelayedError), no attempt spent.
 *
 * Tracing: BullMQ's CONSUMER span of each attempt continues the trace of the request that queued
 * the task (the producer's context travels in the job); under it, one `task.attempt` span per
 * attempt with the task id, the attempt number and its outcome. A failed attempt marks both spans
 * ERROR with the exception as an event, and says whether the task will be retried.
 */
export function createContentWorker(deps: ContentDeps, options: ContentWorkerOptions): Worker<ContentJob> {
  const worker = new Worker<ContentJob>(
    QUEUES.content,
    async (job: Job<ContentJob>, token, signal) => {
      const data = ContentJob.parse(job.data);
      const attempt = job.attemptsMade + 1;
      const maxAttempts = job.opts.attempts ?? 1;
      // BullMQ's consumer span; absent when the job was queued without telemetry (then data.trace continues the trace).
      const consumer = trace.getActiveSpan();
      deps.metrics.activeJobs.inc();
      // An attempt counts when it ends; a run that only waits for its time (RescheduleJob) goes on later as the same attempt.
      let rescheduled = false;
      try {
        return await withExtractedContext(data.trace, () =>
          withEntity({ "task.id": data.task_id }, () =>
            tracer("worker").startActiveSpan(
              "task.attempt",
              {
                kind: SpanKind.INTERNAL,
                attributes: { "task.id": data.task_id, "task.attempt": attempt, "task.max_attempts": maxAttempts },
              },
              async (span) => {
                try {
                  const outcome = await processContentTask(deps, data.task_id, attempt, signal ?? new AbortController().signal);
                  span.setAttribute("task.outcome", outcome);
                  if (outcome === "blocked" || outcome === "cancelled") span.addEvent(`task.${outcome}`);
                  return outcome;
                } catch (err) {
                  if (err instanceof RescheduleJob) {
                    // Waiting for its time (the Threads quota): not a failure.
                    span.setAttribute("task.outcome", "deferred");
                    span.addEvent("task.deferred", { until: err.at.toISOString() });
                    throw err;
                  }
                  const final = err instanceof PermanentError || attempt >= maxAttempts;
                  const failure = { "task.id": data.task_id, "task.attempt": attempt, "error.type": errorCode(err), "task.final": final };
                  span.setAttribute("task.outcome", final ? "failed" : "retrying");
                  recordFailure(span, err, failure);
                  recordFailure(consumer, err, failure);
                  throw err;
                } finally {
                  span.end();
                }
              },
            ),
          ),
        );
      } catch (err) {
        if (err instanceof RescheduleJob) {
          rescheduled = true;
          deps.logger.info({ task_id: data.task_id, attempt, until: err.at.toISOString(), reason: err.message }, "job delayed");
          await job.moveToDelayed(err.at.getTime(), token);
          throw new DelayedError();
        }
        const permanent = err instanceof PermanentError;
        const final = permanent || attempt >= maxAttempts;
        // BullMQ's exponential backoff, the same formula, so viewers are told when the next attempt comes.
        const delayMs = typeof job.opts.backoff === "object" ? backoffDelay(attempt, { baseMs: job.opts.backoff.delay ?? 0 }) : 0;
        deps.metrics.attemptErrors.inc({ code: errorCode(err) });
        deps.logger.warn(
          { task_id: data.task_id, attempt, final, err: errorMessage(err), code: errorCode(err) },
          final ? "task failed" : "attempt failed; will retry",
        );
        consumer?.addEvent(final ? "task.failed" : "task.retrying", {
          "task.attempt": attempt,
          ...(final ? {} : { "task.retry_in_ms": delayMs }),
        });
        await recordTaskFailure(deps, data.task_id, { attempt, final, code: errorCode(err), message: errorMessage(err), delayMs });
        if (permanent) throw new UnrecoverableError(errorMessage(err));
        throw err;
      } finally {
        deps.metrics.activeJobs.dec();
        if (!rescheduled) deps.metrics.attempts.inc();
      }
    },
    {
      connection: options.connection,
      prefix: deps.prefix,
      concurrency: options.concurrency,
      lockDuration: options.lockDurationMs,
      stalledInterval: options.stalledIntervalMs,
      // A job whose worker died twice is most likely killing workers: fail it instead of looping.
      maxStalledCount: 2,
      autorun: false,
      telemetry: queueTelemetry(),
    },
  );
  logErrors(deps.logger, "content worker", [worker]);
  worker.on("stalled", (jobId) => deps.logger.warn({ task_id: jobId }, "job stalled (its worker died); it will run again"));
  return worker;
}
