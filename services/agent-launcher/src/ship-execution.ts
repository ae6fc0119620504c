// Pushing a run's winner: the agent's ship mode as a workload of the same backend as the run's
// variations (a Job under the same security context and NetworkPolicy, or a local process). The
// push credential reaches the workload only by Secret reference (Jobs) or the launcher's own
// environment (local processes); it is never stored, logged, or given to a variation.
import { checkRepoUrl, type RepoUrlPolicy } from "@threads-agent/contracts";
import { type Db, IllegalTransition, isTerminal, type Lifecycle, SHIP_LIFECYCLE } from "@threads-agent/db";
import type { Logger } from "@threads-agent/observability";
import { retry } from "@threads-agent/resilience";
import { type AgentShipped, toDisplayLine } from "./agent-output.ts";
import { type AgentBackend, LaunchRefused, type VariationOutcome } from "./backends/backend.ts";

export type ShipDeps = {
  db: Db;
  lifecycle: Lifecycle;
  backend: AgentBackend;
  logger: Logger;
  repoPolicy: RepoUrlPolicy;
  launchRetry?: { attempts: number; baseMs: number };
};

/** finished: the ship is terminal; handed_back: its workload still runs and another launcher must follow it. */
export type ShipResult = "finished" | "handed_back";

/** Lines of a ship workload's output kept for the failure reason when the agent printed no error of its own. */
const TAIL_LINES = 5;

/**
 * Drives one push to its end: launches the ship workload if it was not launched, follows it,
 * and records `pushed` (with the commit) or `failed` (with the agent's code and reason), each
 * with its event on the run's stream. Idempotent: called again for the same ship (a retry, a
 * restart), it continues from what the database says.
 */
export async function executeShip(deps: ShipDeps, shipId: string, control: { shutdown: AbortSignal }): Promise<ShipResult> {
  const { db, lifecycle, backend } = deps;
  const logger = deps.logger.child({ ship_id: shipId });
  const ship = await db.runShip.findUnique({ where: { id: shipId }, include: { run: { include: { variations: true } } } });
  if (!ship) {
    logger.warn("ship not found; nothing to do");
    return "finished";
  }
  if (isTerminal(SHIP_LIFECYCLE, ship.status)) return "finished";
  const runId = ship.run_id;
  const base = { variation: ship.variation, branch: ship.branch };
  const fail = async (code: string | null, reason: string): Promise<ShipResult> => {
    try {
      await lifecycle.ship({
        id: shipId,
        streamId: runId,
        to: "failed",
        set: { code, reason, finished_at: new Date() },
        event: { type: "run.ship_failed", ...base, code, reason },
      });
    } catch (err) {
      if (!(err instanceof IllegalTransition)) throw err;
    }
    logger.info({ code, reason }, "push failed");
    return "finished";
  };

  let job = ship.job;
  if (ship.status === "queued") {
    const variation = ship.run.variations.find((v) => v.index === ship.variation);
    const patch = variation?.diff ?? "";
    if (!patch.trim()) return fail("empty_patch", `variation ${ship.variation} has no patch to push`);
    // The queue is not a trust boundary: the repository policy is checked again.
    const check = checkRepoUrl(ship.run.repo_url, deps.repoPolicy);
    if (!check.ok) return fail("repo_refused", `repo_url refused: ${check.message}`);
    try {
      const { attempts, baseMs } = deps.launchRetry ?? { attempts: 4, baseMs: 1000 };
      job = (
        await retry(
          () =>
            backend.launch({
              runId,
              index: ship.variation,
              repoUrl: ship.run.repo_url,
              prompt: `ship variation ${ship.variation} as ${ship.branch}`,
              model: null,
              temperature: null,
              trace: (ship.trace as Record<string, string> | null) ?? {},
              ship: { id: shipId, branch: ship.branch, patch },
            }),
          { attempts, baseMs, retryable: (err) => !(err instanceof LaunchRefused) },
        )
      ).job;
    } catch (err) {
      return fail("launch_failed", err instanceof LaunchRefused ? err.message : `could not start the push: ${(err as Error).message}`);
    }
    const launched = job;
    await lifecycle.ship({
      id: shipId,
      streamId: runId,
      to: "pushing",
      set: { job: launched, started_at: new Date() },
      event: { type: "run.ship_started", ...base, job: launched },
    });
  }

  let shipped: AgentShipped | null = null;
  let agentError: { code: string; message: string } | null = null;
  const tail: string[] = [];
  const outcome: VariationOutcome = await backend.follow(
    { runId, index: ship.variation, job, ship: shipId },
    {
      // A ship has no output cursor of its own: a resumed follow reads its (short) log again.
      cursor: null,
      onStarted: async () => {},
      onLines: async (lines) => {
        for (const raw of lines) {
          const line = toDisplayLine(raw, ship.variation);
          if (line.shipped) shipped = line.shipped;
          if (line.error) agentError = line.error;
          tail.push(line.line);
          if (tail.length > TAIL_LINES) tail.shift();
          // Lines are redacted by toDisplayLine; ship output is short (clone, commit, push).
          logger.debug({ line: line.line, kind: line.kind }, "ship output");
        }
      },
      signal: control.shutdown,
    },
  );

  const done = shipped as AgentShipped | null;
  const own = agentError as { code: string; message: string } | null;
  switch (outcome.status) {
    case "detached":
      return "handed_back";
    case "succeeded":
      if (!done) return fail("no_result", `the push ended without reporting a commit (last output: ${tail.join(" | ") || "none"})`);
      await lifecycle.ship({
        id: shipId,
        streamId: runId,
        to: "pushed",
        set: { commit: done.commit, base: done.base, finished_at: new Date() },
        event: { type: "run.shipped", ...base, commit: done.commit },
      });
      logger.info({ branch: ship.branch, commit: done.commit }, "winner pushed");
      return "finished";
    case "cancelled":
      return fail("cancelled", "the push was stopped");
    case "failed":
      return own && outcome.kind === "exit" ? fail(own.code, own.message) : fail(null, outcome.reason);
  }
}
