import { RunStatus, TERMINAL_RUN_STATUSES } from "@threads-agent/contracts";
import { defineMachine } from "./machine.ts";

/**
 * An agent run. `queued` and `running` are owned by the agent-runs job (id = run id) and the
 * launcher holding it. Every terminal state is final.
 *
 *   queued ──► running ──► succeeded | partially_failed | failed | cancelled
 *     └──► cancelled | failed (refused before any variation started)
 */
export const RUN_LIFECYCLE = defineMachine<RunStatus>({
  entity: "run",
  table: "runs",
  enumType: "run_status",
  states: RunStatus.options,
  terminal: TERMINAL_RUN_STATUSES,
  transitions: {
    queued: ["running", "cancelled", "failed"],
    running: ["succeeded", "partially_failed", "failed", "cancelled"],
    succeeded: [],
    partially_failed: [],
    failed: [],
    cancelled: [],
  },
  stream: { entity: "run", idColumn: "id" },
  columns: ["revivals", "started_at", "finished_at"],
});
