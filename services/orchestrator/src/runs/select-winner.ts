import { findRun, RUN_WITH_VARIATIONS, type RunWithVariations } from "@threads-agent/db";
import { Conflict, NotFound, ValidationFailed } from "@threads-agent/http";
import type { OrchestratorDeps } from "../deps.ts";

/**
 * Records the variation the user picked. Only a succeeded variation has a result to pick; the
 * choice can be changed, and can be made before the other variations finish.
 */
export async function selectWinner(deps: OrchestratorDeps, id: string, index: number): Promise<RunWithVariations> {
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
  return deps.db.run.update({ where: { id }, data: { winner: index }, include: RUN_WITH_VARIATIONS });
}
