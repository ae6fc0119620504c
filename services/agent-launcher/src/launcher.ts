import { type Context, context } from "@opentelemetry/api";
import { AgentRunJob, AgentShipJob, QUEUES, runRedisKeys } from "@threads-agent/contracts";
import { logErrors, queueTelemetry, recordFailure, tracer, withEntity, withExtractedContext } from "@threads-agent/observability";
import { type Job, Queue, UnrecoverableError, WaitingError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { executeRun, type RunDeps } from "./run-execution.ts";
import { executeShip } from "./ship-execution.ts";

export type LauncherDeps = RunDeps & {
  /** Commands (and the cancel subscription, on a duplicate). */
  redis: Redis;
  /** BullMQ's connection (maxRetriesPerRequest: null). */
  connection: Redis;
  /** REDIS_PREFIX: queues and channels live under it. */
  prefix: string;
};

export type LauncherOptions = {
  concurrency: number;
  /** Pushes of run winners at once (the agent-ships queue). */
  shipConcurrency?: number;
  /** A run's lock lapses this long after its launcher died; then another launcher resumes it. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** How often the cancel backstop runs (the database flag of runs this launcher holds). */
  reconcileIntervalMs?: number;
};

export type Launcher = {
  start(): Promise<void>;
  /** Hands running runs back (kubernetes) or ends them (local), then stops taking work. */
  close(): Promise<void>;
  /** One cancel-backstop pass (also run on a timer). */
  reconcile(): Promise<void>;
  activeRuns(): number;
  queue: Queue;
};

/**
 * The agent-runs consumer: one BullMQ job per run (job id = run id), held for the run's whole
 * life. Cancel arrives by pub/sub and, as a backstop, through the run's database flag. Runs that
 * lost their job (a crash between the commit and the enqueue, Redis restarted empty, a job that
 * exhausted its attempts) are the orchestrator's reconciler's to queue again: one loop for all work.
 */
export function createLauncher(deps: LauncherDeps, options: LauncherOptions): Launcher {
  const logger = deps.logger.child({ component: "launcher" });
  // Each held run with the trace context it runs in (the cancel message has none of its own).
  const active = new Map<string, { cancel: AbortController; shutdown: AbortController; context: Context }>();
  const channel = runRedisKeys(deps.prefix).cancelChannel;
  const queue = new Queue(QUEUES.agentRuns, { connection: deps.connection, prefix: deps.prefix, telemetry: queueTelemetry() });
  let closing = false;
  let subscriber: Redis | null = null;
  let timer: NodeJS.Timeout | null = null;
  let reconciling: Promise<void> | null = null;

  const processRun = async (job: Job, token?: string) => {
    const parsed = AgentRunJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid agent-runs job ${job.id}: ${parsed.error.message}`);
    const runId = parsed.data.run_id;
    const control = { cancel: new AbortController(), shutdown: new AbortController(), context: context.active() };
    if (closing) control.shutdown.abort();
    active.set(runId, control);
    logger.info({ run_id: runId, attempt: job.attemptsMade + 1 }, "run taken");
    try {
      // Under BullMQ's consumer span (the trace of the request that created the run): the run's
      // execution, with a span per variation and the agents' own spans below those.
      const result = await withExtractedContext(parsed.data.trace, () =>
        withEntity({ "run.id": runId }, () =>
          tracer("agent-launcher").startActiveSpan(
            "run.execute",
            { attributes: { "run.id": runId, "run.attempt": job.attemptsMade + 1 } },
            async (span) => {
              try {
                const outcome = await executeRun(deps, runId, { cancel: control.cancel.signal, shutdown: control.shutdown.signal });
                span.setAttributes({ "run.result": outcome, "run.cancelled": control.cancel.signal.aborted });
                return outcome;
              } catch (err) {
                recordFailure(span, err, { "run.id": runId });
                throw err;
              } finally {
                span.end();
              }
            },
          ),
        ),
      );
      logger.info({ run_id: runId, result }, "run let go");
      if (result === "handed_back") {
        // Back to waiting at once, rather than after the lock lapses: the next launcher resumes it.
        await job.moveToWait(token);
        throw new WaitingError();
      }
    } finally {
      active.delete(runId);
    }
  };

  const worker = new Worker(QUEUES.agentRuns, processRun, {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: options.concurrency,
    autorun: false,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    // Each launcher restart stalls the runs it held; that is expected, not a reason to fail them.
    maxStalledCount: 100,
    telemetry: queueTelemetry(),
  });
  worker.on("failed", (job, err) => logger.error({ run_id: job?.id, attempts: job?.attemptsMade, err }, "run attempt failed"));
  logErrors(logger, "agent-runs queue", [queue, worker]);

  // Pushes of run winners: one job per push (id = ship id), through the same backend.
  const shipControls = new Set<AbortController>();
  const processShip = async (job: Job, token?: string) => {
    const parsed = AgentShipJob.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid agent-ships job ${job.id}: ${parsed.error.message}`);
    const shipId = parsed.data.ship_id;
    const shutdown = new AbortController();
    if (closing) shutdown.abort();
    shipControls.add(shutdown);
    try {
      const result = await withExtractedContext(parsed.data.trace, () =>
        tracer("agent-launcher").startActiveSpan("run.ship", { attributes: { "ship.id": shipId } }, async (span) => {
          try {
            return await executeShip(deps, shipId, { shutdown: shutdown.signal });
          } catch (err) {
            recordFailure(span, err, { "ship.id": shipId });
            throw err;
          } finally {
            span.end();
          }
        }),
      );
      if (result === "handed_back") {
        await job.moveToWait(token);
        throw new WaitingError();
      }
    } finally {
      shipControls.delete(shutdown);
    }
  };
  const shipWorker = new Worker(QUEUES.agentShips, processShip, {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: options.shipConcurrency ?? 2,
    autorun: false,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
    maxStalledCount: 100,
    telemetry: queueTelemetry(),
  });
  shipWorker.on("failed", (job, err) => logger.error({ ship_id: job?.id, attempts: job?.attemptsMade, err }, "ship attempt failed"));
  logErrors(logger, "agent-ships queue", [shipWorker]);

  const reconcile = async () => {
    const held = [...active.keys()];
    if (held.length === 0) return;
    const flagged = await deps.db.run.findMany({ where: { id: { in: held }, cancel_requested_at: { not: null } }, select: { id: true } });
    for (const { id } of flagged) active.get(id)?.cancel.abort();
  };

  const reconcileOnce = () => {
    reconciling ??= reconcile()
      .catch((err: unknown) => logger.error({ err }, "reconcile failed"))
      .finally(() => {
        reconciling = null;
      });
    return reconciling;
  };

  return {
    queue,
    activeRuns: () => active.size,
    reconcile: reconcileOnce,
    async start() {
      subscriber = deps.redis.duplicate();
      logErrors(logger, "cancel subscription", [subscriber]);
      subscriber.on("message", (_channel: string, runId: string) => {
        const run = active.get(runId);
        if (run) {
          context.with(run.context, () => {
            logger.info({ run_id: runId }, "cancel requested");
            run.cancel.abort();
          });
        }
      });
      await subscriber.subscribe(channel);
      void worker.run().catch((err: unknown) => logger.error({ err }, "worker stopped"));
      void shipWorker.run().catch((err: unknown) => logger.error({ err }, "ship worker stopped"));
      timer = setInterval(reconcileOnce, options.reconcileIntervalMs ?? 10_000);
      timer.unref();
    },
    async close() {
      closing = true;
      if (timer) clearInterval(timer);
      // close() first, so the worker fetches nothing new; it resolves once the runs below let go.
      const closed = Promise.all([worker.close(), shipWorker.close()]);
      for (const run of active.values()) run.shutdown.abort();
      for (const ship of shipControls) ship.abort();
      await closed;
      await reconciling;
      await subscriber?.quit().catch(() => {});
      await queue.close();
    },
  };
}
