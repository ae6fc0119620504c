import { TERMINAL_VARIATION_STATUSES, VariationStatus } from "@threads-agent/contracts";
import { defineMachine } from "./machine.ts";

/**
 * One variation of a run: its Job or local process. `scheduled` means the workload was created,
 * `running` that its container started. Events go to the run's stream. Every terminal state is final.
 *
 *   queued ──► scheduled ──► running ──► succeeded | failed | cancelled
 *     └──► failed | cancelled   └──► failed | cancelled
 */
export const VARIATION_LIFECYCLE = defineMachine<VariationStatus>({
  entity: "variation",
  table: "variations",
  enumType: "variation_status",
  states: VariationStatus.options,
  terminal: TERMINAL_VARIATION_STATUSES,
  transitions: {
    queued: ["scheduled", "failed", "cancelled"],
    scheduled: ["running", "failed", "cancelled"],
    running: ["succeeded", "failed", "cancelled"],
    succeeded: [],
    failed: [],
    cancelled: [],
  },
  stream: { entity: "run", idColumn: "run_id" },
  columns: ["job", "exit_code", "reason", "started_at", "finished_at"],
});
