import { SpanKind, trace } from "@opentelemetry/api";
import { ContentJob, QUEUES } from "@threads-agent/contracts";
import { logErrors, queueTelemetry, recordFailure, tracer, withEntity, withExtractedContext } from "@threads-agent/observability";
import { backoffDelay } from "@threads-agent/resilience";
import { DelayedError, type Job, UnrecoverableError, WaitingError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { type DependencyGate, dependencyOf, waitForDependency } from "./dependency-gate.ts";
import { errorCode, errorMessage, PermanentError, RescheduleJob } from "./errors.ts";
import { type HandBack, handBackTask } from "./hand-back.ts";
import { type ContentDeps, processContentTask, recordFailure as recordTaskFailure } from "./processors/content.ts";

export type ContentWorkerOptions = {
  /** A connection for BullMQ's blocking commands (maxRetriesPerRequest: null). */
  connection: Redis;
  concurrency: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  /** Circuit breakers of the downstream dependencies: a dependency's outage makes tasks wait, not fail. */
  gate?: DependencyGate;
  /** Set at the end of the shutdown grace period: in-flight jobs go back to waiting for another worker. */
  handBack?: HandBack;
};

/**
 * The BullMQ worker of the content queue. Job handlers steer the queue by what they throw:
 * TransientError → retried with backoff, PermanentError → UnrecoverableError (no retry),
 * RescheduleJob → the job delayed until its time (moveToDelayed + DelayedError), no attempt spent.
 * A failure of a downstream dependency (see dependency-gate.ts) spends no attempt either: the task
 * waits (`deferred`, `task.waiting`) and its job is delayed until the dependency's breaker lets
 * a probe through; it fails only once its outage outlasts OUTAGE_BUDGET_MS. When shutdown hands
 * work back, a job that stops (its signal aborted) goes back to waiting (moveToWait + WaitingError).
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
      // Whether a dependency failure used up the outage budget: decided once, where the span is
      // written, so the span and the task's fate agree.
      let budgetUsedUp: boolean | undefined;
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
                  options.gate?.succeeded(outcome);
                  span.setAttribute("task.outcome", outcome);
                  if (outcome === "blocked" || outcome === "cancelled") span.addEvent(`task.${outcome}`);
                  return outcome;
                } catch (err) {
                  if (options.handBack?.active) {
                    span.setAttribute("task.outcome", "handed_back");
                    throw err;
                  }
                  if (err instanceof RescheduleJob) {
                    // Waiting for its time (the Threads quota): not a failure.
                    span.setAttribute("task.outcome", "deferred");
                    span.addEvent("task.deferred", { until: err.at.toISOString() });
                    throw err;
                  }
                  if (options.gate?.waits && !(err instanceof PermanentError) && dependencyOf(errorCode(err))) {
                    // The task waits for the dependency, or fails once it has waited longer than the budget.
                    budgetUsedUp = Date.now() - (data.waiting_since ?? Date.now()) >= options.gate.outageBudgetMs;
                    span.setAttribute("task.outcome", budgetUsedUp ? "failed" : "waiting");
                    recordFailure(span, err, {
                      "task.id": data.task_id,
                      "task.attempt": attempt,
                      "error.type": errorCode(err),
                      "task.final": budgetUsedUp,
                    });
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
        if (options.handBack?.active) {
          // Shutting down: the job goes back to waiting, lock released, attempt not spent; another worker starts it now.
          rescheduled = true;
          await handBackTask(deps, data.task_id, errorMessage(err));
          await job.moveToWait(token);
          throw new WaitingError();
        }
        if (err instanceof RescheduleJob) {
          rescheduled = true;
          deps.logger.info({ task_id: data.task_id, attempt, until: err.at.toISOString(), reason: err.message }, "job delayed");
          await job.moveToDelayed(err.at.getTime(), token);
          throw new DelayedError();
        }
        const permanent = err instanceof PermanentError;
        const baseMs = typeof job.opts.backoff === "object" ? (job.opts.backoff.delay ?? 0) : 0;
        const dependency = permanent ? null : dependencyOf(errorCode(err));
        let outage = "";
        if (dependency) options.gate?.failed(dependency, errorMessage(err));
        if (dependency && options.gate?.waits) {
          // A dependency is down: the task waits for it with its attempts intact, within the outage budget.
          const gate = options.gate;
          const since = data.waiting_since ?? Date.now();
          if (!(budgetUsedUp ?? Date.now() - since >= gate.outageBudgetMs)) {
            rescheduled = true;
            const waits = (data.waits ?? 0) + 1;
            const retryAt = gate.retryAt(dependency, waits, baseMs);
            deps.metrics.attemptErrors.inc({ code: errorCode(err) });
            deps.logger.warn(
              { task_id: data.task_id, attempt, dependency, retry_at: retryAt.toISOString(), err: errorMessage(err), code: errorCode(err) },
              "dependency unavailable: task waits for it",
            );
            consumer?.addEvent("task.waiting", { dependency, "task.retry_at": retryAt.toISOString() });
            if (await waitForDependency(deps.lifecycle, data.task_id, { dependency, reason: errorMessage(err), retryAt })) {
              await job.updateData({ ...data, waiting_since: since, waits });
              await job.moveToDelayed(retryAt.getTime(), token);
              throw new DelayedError();
            }
            return "skipped";
          }
          outage = ` (${dependency} unavailable for longer than the outage budget of ${duration(gate.outageBudgetMs)})`;
        }
        const final = permanent || attempt >= maxAttempts || outage !== "";
        // BullMQ's exponential backoff, the same formula, so viewers are told when the next attempt comes.
        const delayMs = baseMs > 0 ? backoffDelay(attempt, { baseMs }) : 0;
        deps.metrics.attemptErrors.inc({ code: errorCode(err) });
        deps.logger.warn(
          { task_id: data.task_id, attempt, final, err: errorMessage(err), code: errorCode(err) },
          final ? "task failed" : "attempt failed; will retry",
        );
        consumer?.addEvent(final ? "task.failed" : "task.retrying", {
          "task.attempt": attempt,
          ...(final ? {} : { "task.retry_in_ms": delayMs }),
        });
        await recordTaskFailure(deps, data.task_id, { attempt, final, code: errorCode(err), message: errorMessage(err) + outage, delayMs });
        if (permanent || outage) throw new UnrecoverableError(errorMessage(err) + outage);
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

/** 1.5 s, 90 s, 60 min: how long, in words for a task's error message. */
function duration(ms: number): string {
  if (ms >= 120_000) return `${Math.round(ms / 60_000)} min`;
  return `${Number((ms / 1000).toFixed(1))} s`;
}
