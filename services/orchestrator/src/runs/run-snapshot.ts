import type { EventEnvelope, Run } from "@threads-agent/contracts";

/**
 * The final event of a finished run whose event stream has expired, rebuilt from the database
 * (`snapshot: true`, no SSE id). The lines are still readable from the variation log endpoint.
 */
export function runSnapshotEvent(run: Run): EventEnvelope | null {
  const base = { run_id: run.id, at: run.finished_at ?? run.updated_at, snapshot: true };
  if (run.status === "cancelled") return { type: "run.cancelled", ...base };
  if (run.status === "succeeded" || run.status === "partially_failed" || run.status === "failed") {
    return { type: "run.completed", ...base, status: run.status };
  }
  return null;
}
