import { ShipStatus, TERMINAL_SHIP_STATUSES } from "@threads-agent/contracts";
import { defineMachine } from "./machine.ts";

/**
 * A push of a run's winner. `queued` is owned by the agent-ships job (id = ship id), `pushing` by
 * the launcher following its workload (the agent's ship mode). Events go to the run's stream.
 *
 *   queued ──► pushing ──► pushed | failed
 *     └──► failed (refused before anything started)
 */
export const SHIP_LIFECYCLE = defineMachine<ShipStatus>({
  entity: "ship",
  table: "run_ships",
  enumType: "ship_status",
  states: ShipStatus.options,
  terminal: TERMINAL_SHIP_STATUSES,
  transitions: {
    queued: ["pushing", "failed"],
    pushing: ["pushed", "failed"],
    pushed: [],
    failed: [],
  },
  stream: { entity: "run", idColumn: "run_id" },
  columns: ["job", "commit", "base", "code", "reason", "started_at", "finished_at"],
});
