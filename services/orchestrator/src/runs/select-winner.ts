import { newId, type SelectWinner, SHIP_BRANCH_EXISTS } from "@threads-agent/contracts";
import { findRun, isUniqueViolation, RUN_WITH_VARIATIONS, type RunWithVariations, SHIP_LIFECYCLE } from "@threads-agent/db";
import { AppError, Conflict, NotFound, Unprocessable, ValidationFailed } from "@threads-agent/http";
import { injectTraceContext, inSpan } from "@threads-agent/observability";
import type { OrchestratorDeps } from "../deps.ts";
import { assertRedisReady } from "../redis.ts";
import { addShipJob } from "./run-queue.ts";

/** 409 naming the branch: pushing never overwrites a branch that exists. */
export class BranchExists extends AppError {
  constructor(branch: string, detail: string) {
    super(409, "branch-exists", "Branch exists", detail, [{ field: "push.branch", message: `branch ${branch} already exists` }]);
  }
}

export type WinnerOutcome = {
  run: RunWithVariations;
  /** `pushing`: a push was asked for and has not ended within SHIP_WAIT_SECONDS (answered 202). */
  state: "recorded" | "pushed" | "pushing";
};

/**
 * Records the variation the user picked and, with `push`, has the launcher commit its patch on a
 * new branch and push it (the agent's ship mode). Only a succeeded variation has a result to pick;
 * the choice can be changed. A push waits up to SHIP_WAIT_SECONDS for its end: pushed answers the
 * run with its branch, an existing branch is a 409 naming it, another failure a 422 with the reason.
 */
export async function selectWinner(deps: OrchestratorDeps, id: string, body: SelectWinner): Promise<WinnerOutcome> {
  const index = body.variation;
  const run = await findRun(deps.db, id);
  if (!run) throw new NotFound("Run", id);
  const variation = run.variations.find((v) => v.index === index);
  if (!variation) {
    throw new ValidationFailed([{ field: "variation", message: `this run has variations 0 to ${run.variations.length - 1}` }]);
  }
  if (variation.status !== "succeeded") {
    throw new Conflict(
      `Variation ${index} is ${variation.status}${variation.reason ? ` (${variation.reason})` : ""}; only a succeeded variation can be the winner`,
      "variation-not-succeeded",
    );
  }
  if (!body.push) {
    const updated = await deps.db.run.update({ where: { id }, data: { winner: index }, include: RUN_WITH_VARIATIONS });
    return { run: updated, state: "recorded" };
  }

  const branch = body.push.branch;
  if (!deps.config.SHIP_ENABLED) {
    throw new Conflict(
      "Pushing is not enabled on this deployment (SHIP_ENABLED, with a push credential for the agent-launcher); download the patch instead",
      "push-not-enabled",
    );
  }
  if (!variation.diff?.trim()) throw new Conflict(`Variation ${index} proposed no change: there is nothing to push`, "no-patch");
  const pushed = run.ships?.find((s) => s.status === "pushed" && s.branch === branch);
  if (pushed) throw new BranchExists(branch, `Branch ${branch} already exists: this run pushed variation ${pushed.variation} to it`);
  assertRedisReady(deps.redis);

  const shipId = newId();
  await inSpan("orchestrator", "run.ship", { attributes: { "run.id": id, "ship.id": shipId, "variation.index": index } }, async () => {
    const trace = injectTraceContext();
    try {
      await deps.lifecycle.together(async (t) => {
        await t.tx.run.update({ where: { id }, data: { winner: index } });
        await t.tx.runShip.create({ data: { id: shipId, run_id: id, variation: index, branch, trace } });
        await t.event({ entity: "run", id }, { type: "run.ship_queued", variation: index, branch });
      });
    } catch (err) {
      // run_ships_one_active_idx: another push of this run is queued or running.
      if (isUniqueViolation(err)) throw new Conflict("A push of this run is already in progress; wait for it to end", "push-in-progress");
      throw err;
    }
    try {
      await addShipJob(deps.shipQueue, { id: shipId, trace });
    } catch (err) {
      deps.logger.warn({ err, run_id: id, ship_id: shipId }, "push recorded but not enqueued; the reconciler will enqueue it");
    }
  });

  const ship = await waitForShip(deps, shipId, deps.config.SHIP_WAIT_SECONDS * 1000);
  if (ship?.status === "failed") {
    if (ship.code === SHIP_BRANCH_EXISTS) throw new BranchExists(branch, ship.reason ?? `Branch ${branch} already exists`);
    throw new Unprocessable(`The push of variation ${index} to ${branch} failed: ${ship.reason ?? "unknown reason"}`, "push-failed", [
      { field: "push.branch", message: ship.reason ?? "the push failed" },
    ]);
  }
  const updated = (await findRun(deps.db, id)) as RunWithVariations;
  return { run: updated, state: ship?.status === "pushed" ? "pushed" : "pushing" };
}

/** The ship once it is terminal, or null if it is still going after `ms` (checked every 200 ms; nothing is held meanwhile). */
async function waitForShip(deps: OrchestratorDeps, shipId: string, ms: number) {
  const until = Date.now() + ms;
  while (true) {
    const ship = await deps.db.runShip.findUnique({ where: { id: shipId } });
    if (ship && SHIP_LIFECYCLE.terminal.includes(ship.status)) return ship;
    if (Date.now() >= until) return null;
    await new Promise((r) => setTimeout(r, Math.min(200, Math.max(0, until - Date.now()))));
  }
}
