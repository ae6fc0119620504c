import type { Metrics } from "@threads-agent/observability";
import { announce, type TaskContext } from "./task-context.ts";
import { enqueueTask } from "./task-queue.ts";

export type SweeperOptions = {
  /** How often to look. */
  intervalMs: number;
  /** A queued task untouched this long is checked for a runnable job. */
  afterMs: number;
  /** Upper bound of tasks checked per sweep, so a huge backlog cannot make one sweep run for minutes. */
  maxPerSweep?: number;
};

export type Sweeper = {
  /** One pass; returns how many tasks it (re)enqueued. */
  sweepOnce: (now?: number) => Promise<number>;
  start: () => void;
  /** Stops the timer and waits for a pass in progress. */
  stop: () => Promise<void>;
};

const BATCH = 100;

/**
 * Finds tasks that are `queued` in the database but have no job that will run (a crash between
 * the commit and the enqueue, Redis down at that moment, a dead letter left behind) and enqueues
 * them. Adding an existing job id is a no-op, so every replica can sweep at the same time.
 */
export function createSweeper(ctx: TaskContext, metrics: Metrics, options: SweeperOptions): Sweeper {
  const swept = metrics.counter("tasks_swept_total", "Queued tasks the sweeper found without a runnable job and enqueued");
  const maxPerSweep = options.maxPerSweep ?? 2000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;

  async function sweepOnce(now = Date.now()): Promise<number> {
    const cutoff = new Date(now - options.afterMs);
    let enqueued = 0;
    let checked = 0;
    let after: string | undefined;
    while (checked < maxPerSweep) {
      const batch = await ctx.db.task.findMany({
        where: { status: "queued", updated_at: { lt: cutoff }, ...(after ? { id: { gt: after } } : {}) },
        orderBy: { id: "asc" },
        take: BATCH,
        select: { id: true, trace: true },
      });
      if (batch.length === 0) break;
      checked += batch.length;
      after = batch[batch.length - 1]?.id;
      const outcomes = await Promise.all(
        batch.map(async (task) => {
          try {
            const outcome = await enqueueTask(ctx.queue, task, ctx.jobs);
            if (outcome === "already-queued") return false;
            ctx.logger.warn({ task_id: task.id, outcome }, "sweeper enqueued a queued task that had no runnable job");
            // The event may be missing for the same reason the job was (Redis down at submit time).
            if (!(await ctx.events.exists("task", task.id))) await announce(ctx, task.id, { type: "task.queued" });
            return true;
          } catch (err) {
            ctx.logger.warn({ err, task_id: task.id }, "sweeper could not enqueue the task; next pass tries again");
            return false;
          }
        }),
      );
      const count = outcomes.filter(Boolean).length;
      enqueued += count;
      swept.inc(count);
      if (batch.length < BATCH) break;
    }
    return enqueued;
  }

  const loop = () => {
    if (stopped) return;
    running = sweepOnce()
      .catch((err: unknown) => ctx.logger.warn({ err }, "sweep failed; next pass tries again"))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(loop, options.intervalMs).unref();
      });
  };

  return {
    sweepOnce,
    start() {
      if (!stopped) return;
      stopped = false;
      timer = setTimeout(loop, options.intervalMs).unref();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
