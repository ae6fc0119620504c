import { runRedisKeys } from "@threads-agent/contracts";
import { findRun, IllegalTransition, isTerminal, RUN_LIFECYCLE, type RunWithVariations } from "@threads-agent/db";
import { Conflict, NotFound } from "@threads-agent/http";
import { inSpan, linkTo, withEntity } from "@threads-agent/observability";
import type { OrchestratorDeps } from "../deps.ts";
import { assertRedisReady } from "../redis.ts";
import { addRunJob } from "./run-queue.ts";

/** `cancelled`: the run has ended. `cancelling`: a launcher holds it and is stopping its workloads. */
export type RunCancellation = { run: RunWithVariations; outcome: "cancelled" | "cancelling" };

export const CANCELLED_REASON = "cancelled by the user";

/**
 * Cancels a queued or running run. The flag goes on the row first (the launcher's backstop), then
 * a message tells the launcher holding the run to delete its Jobs / kill its processes. A run no
 * launcher has taken yet is withdrawn from the queue and cancelled right here. Waits briefly for
 * the launcher, so the common case answers with the final state.
 */
export async function cancelRun(deps: OrchestratorDeps, id: string, waitMs = 5000): Promise<RunCancellation> {
  assertRedisReady(deps.redis);
  const run = await findRun(deps.db, id);
  if (!run) throw new NotFound("Run", id);
  // A span of its own, linked to the trace the run executes in; the launcher's stop is a span in that one.
  return withEntity({ "run.id": id }, () =>
    inSpan(
      "orchestrator",
      "run.cancel",
      { attributes: { "run.id": id, "run.status": run.status }, links: linkTo(run.trace) },
      async (span) => {
        const cancellation = await cancelNow(deps, id, run, waitMs);
        span.setAttribute("run.cancel.outcome", cancellation.outcome);
        return cancellation;
      },
    ),
  );
}

async function cancelNow(deps: OrchestratorDeps, id: string, run: RunWithVariations, waitMs: number): Promise<RunCancellation> {
  if (isTerminal(RUN_LIFECYCLE, run.status)) throw notCancellable(run.status);

  // Not a status change: the request, which the launcher holding the run acts on.
  const flagged = await deps.db.run.updateMany({
    where: { id, status: { in: ["queued", "running"] } },
    data: { cancel_requested_at: new Date() },
  });
  if (flagged.count === 0) throw notCancellable(((await findRun(deps.db, id)) as RunWithVariations).status);
  await deps.redis.publish(runRedisKeys(deps.config.REDIS_PREFIX).cancelChannel, id);

  // 0: a launcher holds the job (its lock); the message above reaches it.
  const withdrawn = (await deps.runQueue.getJob(id)) ? (await deps.runQueue.remove(id)) === 1 : true;
  if (withdrawn && run.status === "queued") {
    try {
      await deps.lifecycle.cancelRun(run, { reason: CANCELLED_REASON, from: ["queued"] });
      deps.logger.info({ run_id: id }, "run cancelled before a launcher took it");
    } catch (err) {
      // A launcher took it a moment ago: it sees the flag and cancels.
      if (!(err instanceof IllegalTransition)) throw err;
      await addRunJob(deps.runQueue, run);
    }
  } else if (withdrawn) {
    // Started earlier but between attempts (or its job was lost): its workloads may still run, so a
    // launcher must take it now to delete them; it sees the flag and cancels.
    await addRunJob(deps.runQueue, run);
  }

  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    const current = (await findRun(deps.db, id)) as RunWithVariations;
    if (isTerminal(RUN_LIFECYCLE, current.status)) return { run: current, outcome: "cancelled" };
    await new Promise((r) => setTimeout(r, 100));
  }
  deps.logger.info({ run_id: id }, "cancel requested from the launcher running the run");
  return { run: (await findRun(deps.db, id)) as RunWithVariations, outcome: "cancelling" };
}

function notCancellable(status: string): Conflict {
  return new Conflict(`Run already ${status.replace("_", " ")}; only queued or running runs can be cancelled`, "run-not-cancellable");
}
