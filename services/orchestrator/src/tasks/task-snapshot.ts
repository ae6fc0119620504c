import type { EventEnvelope, Task } from "@threads-agent/contracts";

/**
 * The final event of a finished task whose event stream has expired, rebuilt from the database.
 * It carries `snapshot: true` and no SSE id: the step-by-step history is gone, the outcome is not.
 * Unfinished tasks have no snapshot (their stream exists while they run).
 */
export function snapshotEvent(task: Task): EventEnvelope | null {
  const base = { task_id: task.id, at: task.finished_at ?? task.updated_at, snapshot: true };
  switch (task.status) {
    case "succeeded":
      return { type: "task.succeeded", ...base, post: task.post };
    case "failed":
      return { type: "task.failed", ...base, error: task.error ?? { code: "unknown", message: "the task failed" } };
    case "blocked":
      return { type: "task.blocked", ...base, reason: task.error?.message ?? "blocked by the guardrail" };
    case "cancelled":
      return { type: "task.cancelled", ...base };
    default:
      return null;
  }
}
