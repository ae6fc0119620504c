import { ContentJob, QUEUES } from "@threads-agent/contracts";
import { tracer, withExtractedContext } from "@threads-agent/observability";
import { DelayedError, type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { errorCode, errorMessage, PermanentError, RescheduleJob } from "./errors.ts";
import { type ContentDeps, processContentTask, recordFailure } from "./processors/content.ts";

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
 */
export function createContentWorker(deps: ContentDeps, options: ContentWorkerOptions): Worker<ContentJob> {
  const worker = new Worker<ContentJob>(
    QUEUES.content,
    async (job: Job<ContentJob>, token, signal) => {
      const data = ContentJob.parse(job.data);
      const attempt = job.attemptsMade + 1;
      deps.metrics.activeJobs.inc();
      try {
        return await withExtractedContext(data.trace, () =>
          tracer("worker").startActiveSpan(
            "task.process",
            { attributes: { "task.id": data.task_id, "task.attempt": attempt } },
            async (span) => {
              try {
                return await processContentTask(deps, data.task_id, attempt, signal ?? new AbortController().signal);
              } finally {
                span.end();
              }
            },
          ),
        );
      } catch (err) {
        if (err instanceof RescheduleJob) {
          deps.logger.info({ task_id: data.task_id, attempt, until: err.at.toISOString(), reason: err.message }, "job delayed");
          await job.moveToDelayed(err.at.getTime(), token);
          throw new DelayedError();
        }
        const permanent = err instanceof PermanentError;
        const maxAttempts = job.opts.attempts ?? 1;
        const final = permanent || attempt >= maxAttempts;
        const delayMs = typeof job.opts.backoff === "object" ? (job.opts.backoff.delay ?? 0) * 2 ** (attempt - 1) : 0;
        deps.logger.warn(
          { task_id: data.task_id, attempt, final, err: errorMessage(err), code: errorCode(err) },
          final ? "task failed" : "attempt failed; will retry",
        );
        await recordFailure(deps, data.task_id, { attempt, final, code: errorCode(err), message: errorMessage(err), delayMs });
        if (permanent) throw new UnrecoverableError(errorMessage(err));
        throw err;
      } finally {
        deps.metrics.activeJobs.dec();
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
    },
  );
  worker.on("error", (err) => deps.logger.error({ err }, "worker error"));
  worker.on("stalled", (jobId) => deps.logger.warn({ task_id: jobId }, "job stalled (its worker died); it will run again"));
  return worker;
}
