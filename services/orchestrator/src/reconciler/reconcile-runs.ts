import { IllegalTransition, isTerminal, RUN_LIFECYCLE, VARIATION_LIFECYCLE } from "@threads-agent/db";
import type { OrchestratorDeps } from "../deps.ts";
import { CANCELLED_REASON } from "../runs/cancel-run.ts";
import { addRunJob, addShipJob } from "../runs/run-queue.ts";
import type { ReconcileAction, ReconcileOptions } from "./reconcile-types.ts";

/**
 * Every queued or running run is owned by its agent-runs job (the launcher holding it renews the
 * lock). A run whose job is gone is queued again (the launcher resumes its variations from what the
 * database says); one dead-lettered while unfinished is revived a bounded number of times, then
 * failed with its variations.
 */
export async function reconcileRuns(deps: OrchestratorDeps, options: ReconcileOptions, count: (a: ReconcileAction) => void): Promise<void> {
  const cutoff = new Date(options.now - options.afterMs);
  const runs = await deps.db.run.findMany({
    where: { status: { in: ["queued", "running"] }, updated_at: { lt: cutoff } },
    orderBy: { id: "asc" },
    take: options.maxPerPass,
    select: { id: true, status: true, trace: true, revivals: true },
  });
  for (const run of runs) {
    try {
      count(await reconcileRun(deps, options, run));
    } catch (err) {
      if (!(err instanceof IllegalTransition))
        deps.logger.warn({ err, run_id: run.id }, "reconciling the run failed; the next pass tries again");
    }
  }
  await closeOrphanVariations(deps, count);
  await reconcileShips(deps, options, count);
}

/**
 * A queued or pushing push is owned by its agent-ships job (id = ship id). One whose job is gone
 * is queued again (the launcher follows a workload it already started rather than pushing twice);
 * one whose job failed for good fails with that reason, so the run never shows a push forever.
 */
async function reconcileShips(deps: OrchestratorDeps, options: ReconcileOptions, count: (a: ReconcileAction) => void): Promise<void> {
  const ships = await deps.db.runShip.findMany({
    where: { status: { in: ["queued", "pushing"] }, updated_at: { lt: new Date(options.now - options.afterMs) } },
    orderBy: { id: "asc" },
    take: options.maxPerPass,
    select: { id: true, run_id: true, variation: true, branch: true, trace: true },
  });
  for (const ship of ships) {
    try {
      const job = await deps.shipQueue.getJob(ship.id);
      const state = job ? await job.getState() : "missing";
      if (["waiting", "delayed", "active", "prioritized", "waiting-children"].includes(state)) continue;
      if (state === "failed") {
        const reason = `the agent-launcher could not finish the push (${job?.failedReason || "unknown error"})`;
        await deps.lifecycle.ship({
          id: ship.id,
          streamId: ship.run_id,
          to: "failed",
          set: { code: "launcher_failed", reason, finished_at: new Date() },
          event: { type: "run.ship_failed", variation: ship.variation, branch: ship.branch, code: "launcher_failed", reason },
        });
        count("ship.failed");
        continue;
      }
      await deps.shipQueue.remove(ship.id);
      await addShipJob(deps.shipQueue, ship);
      deps.logger.warn({ ship_id: ship.id, run_id: ship.run_id, job_state: state }, "push had no job that will run: queued it again");
      count("ship.requeued");
    } catch (err) {
      if (!(err instanceof IllegalTransition))
        deps.logger.warn({ err, ship_id: ship.id }, "reconciling the push failed; the next pass tries again");
    }
  }
}

async function reconcileRun(
  deps: OrchestratorDeps,
  options: ReconcileOptions,
  run: { id: string; status: "queued" | "running" | string; trace: unknown; revivals: number },
): Promise<ReconcileAction> {
  const job = await deps.runQueue.getJob(run.id);
  const state = job ? await job.getState() : "missing";
  if (state === "waiting" || state === "delayed" || state === "active" || state === "prioritized" || state === "waiting-children")
    return "none";
  const log = deps.logger.child({ run_id: run.id, status: run.status });
  if (state === "failed") {
    const cause = job?.failedReason || "unknown error";
    if (run.revivals >= options.maxRevivals) {
      const reason = `the agent-launcher kept failing on this run (last: ${cause})`;
      const now = new Date();
      const variations = await deps.db.variation.findMany({ where: { run_id: run.id }, select: { id: true, index: true, status: true } });
      await deps.lifecycle.together(async (t) => {
        for (const v of variations) {
          if (isTerminal(VARIATION_LIFECYCLE, v.status)) continue;
          await t.variation({
            id: v.id,
            streamId: run.id,
            to: "failed",
            set: { reason, finished_at: now },
            event: { type: "variation.failed", variation: v.index, reason, exit_code: null },
          });
        }
        await t.run({ id: run.id, to: "failed", set: { finished_at: now }, event: { type: "run.completed", status: "failed" } });
      });
      log.warn({ cause }, "run's job kept failing while the run was unfinished: failed it");
      return "run.failed";
    }
    await deps.db.run.updateMany({ where: { id: run.id }, data: { revivals: run.revivals + 1 } });
    await deps.runQueue.remove(run.id);
    await addRunJob(deps.runQueue, run);
    log.warn({ cause, revivals: run.revivals + 1 }, "run's job was dead-lettered while the run was unfinished: queued it again");
    return "run.revived";
  }
  // missing, unknown or completed: no launcher will take it.
  await deps.runQueue.remove(run.id);
  await addRunJob(deps.runQueue, run);
  log.warn({ job_state: state }, "run had no job that will run: queued it again");
  return "run.requeued";
}

/** Variations left unfinished under a finished run (a crash between the two writes) get an end of their own. */
async function closeOrphanVariations(deps: OrchestratorDeps, count: (a: ReconcileAction) => void): Promise<void> {
  const orphans = await deps.db.variation.findMany({
    where: { status: { in: ["queued", "scheduled", "running"] }, run: { status: { in: [...RUN_LIFECYCLE.terminal] } } },
    select: { id: true, index: true, run_id: true, run: { select: { status: true } } },
    take: 500,
  });
  for (const v of orphans) {
    const cancelled = v.run.status === "cancelled";
    const reason = cancelled ? CANCELLED_REASON : "the run ended before this variation reported an outcome";
    try {
      await deps.lifecycle.variation({
        id: v.id,
        streamId: v.run_id,
        to: cancelled ? "cancelled" : "failed",
        set: { reason, finished_at: new Date() },
        event: cancelled ? null : { type: "variation.failed", variation: v.index, reason, exit_code: null },
      });
      count("variation.closed");
    } catch (err) {
      if (!(err instanceof IllegalTransition)) throw err;
    }
  }
}
