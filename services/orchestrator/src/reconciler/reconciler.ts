import { randomBytes } from "node:crypto";
import type { OrchestratorDeps } from "../deps.ts";
import { reconcileRuns } from "./reconcile-runs.ts";
import { reconcileTasks } from "./reconcile-tasks.ts";
import { RECONCILE_ACTIONS, type ReconcileAction } from "./reconcile-types.ts";

export type ReconcilerOptions = {
  intervalMs: number;
  /** Rows changed more recently than this are left alone. */
  afterMs: number;
  maxRevivals: number;
  /** Upper bound of entities checked per pass, so a huge backlog cannot make one pass run for minutes. */
  maxPerPass?: number;
};

export type Reconciler = {
  /** One pass over tasks, runs and variations; returns what it did, by action. */
  reconcileOnce(now?: number): Promise<Partial<Record<ReconcileAction, number>>>;
  start(): void;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
};

const RELEASE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`;

/**
 * The one loop that gives every non-terminal state an owner and a deadline (tasks, runs and their
 * variations): it finds work whose job vanished or was dead-lettered and queues it again under the
 * same job id, or fails it with a reason a user can act on. Every orchestrator replica runs it; a
 * Redis lock lets one pass run at a time, and each change is a conditional transition anyway.
 */
export function createReconciler(deps: OrchestratorDeps, options: ReconcilerOptions): Reconciler {
  const actions = deps.metrics.counter("reconciler_actions_total", "What the reconciler did to unfinished work, by action", ["action"]);
  for (const action of RECONCILE_ACTIONS) actions.inc({ action }, 0);
  const lockKey = `${deps.config.REDIS_PREFIX}:reconciler:lock`;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = true;

  async function reconcileOnce(now = Date.now()) {
    const done: Partial<Record<ReconcileAction, number>> = {};
    if (deps.redis.status !== "ready") return done; // job states cannot be read: nothing can be decided
    const token = randomBytes(8).toString("hex");
    if ((await deps.redis.set(lockKey, token, "PX", Math.max(options.intervalMs * 4, 30_000), "NX")) !== "OK") return done;
    const count = (action: ReconcileAction) => {
      if (action === "none") return;
      done[action] = (done[action] ?? 0) + 1;
      actions.inc({ action });
    };
    try {
      const pass = { now, afterMs: options.afterMs, maxRevivals: options.maxRevivals, maxPerPass: options.maxPerPass ?? 2000 };
      await reconcileTasks(deps, pass, count);
      await reconcileRuns(deps, pass, count);
    } finally {
      await deps.redis.eval(RELEASE, 1, lockKey, token).catch(() => {});
    }
    return done;
  }

  const loop = () => {
    if (stopped) return;
    running = reconcileOnce()
      .catch((err: unknown) => deps.logger.warn({ err }, "reconcile pass failed; the next pass tries again"))
      .finally(() => {
        running = undefined;
        if (!stopped) timer = setTimeout(loop, options.intervalMs).unref();
      });
  };

  return {
    reconcileOnce,
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
