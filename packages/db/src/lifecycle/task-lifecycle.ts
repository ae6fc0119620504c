import { TaskStatus, TERMINAL_TASK_STATUSES } from "@threads-agent/contracts";
import { defineMachine } from "./machine.ts";

/**
 * A content task. `queued` is owned by the queue (a job with the task id), `running` by the
 * worker holding that job (its lock is the lease). `failed` and `cancelled` end the task's stream
 * but a user may retry them; `succeeded` and `blocked` are final.
 *
 *   queued ──► running ──► succeeded | blocked | failed | cancelled
 *                running ──► running (another attempt, or a takeover after a crash)
 *                running ──► queued  (its job was lost or dead-lettered: the reconciler queued it again)
 *   queued ──► cancelled | failed | succeeded | blocked
 *   running ──► deferred ──► running | cancelled | failed
 *   failed | cancelled ──► queued (POST /v1/tasks/:id/retry)
 *   (created) scheduled ──► running | cancelled | failed      (publish_at reached: its delayed job runs)
 *   running ──► awaiting_review ──► queued | scheduled (approved) | rejected | cancelled
 *   failed | cancelled ──► scheduled (a retry while publish_at is still ahead)
 *
 * `deferred` (the Threads publishing quota is used up) is owned by the task's delayed job, due at
 * `deferred_until`; the reconciler queues a new delayed job at that time if it vanished.
 * `scheduled` is owned the same way by its job delayed to `publish_at`. `awaiting_review` has no
 * job: a person owns it (approve or reject); nothing times it out. `rejected` is final.
 *
 * queued -> succeeded | blocked: a worker that was still running the task when the reconciler
 * found its job gone (Redis lost it) finishes it all the same; its outcome is the truth.
 */
export const TASK_LIFECYCLE = defineMachine<TaskStatus>({
  entity: "task",
  table: "tasks",
  enumType: "task_status",
  states: TaskStatus.options,
  terminal: TERMINAL_TASK_STATUSES,
  transitions: {
    queued: ["running", "cancelled", "failed", "succeeded", "blocked"],
    running: ["running", "queued", "deferred", "awaiting_review", "succeeded", "blocked", "failed", "cancelled"],
    deferred: ["running", "cancelled", "failed"],
    scheduled: ["running", "cancelled", "failed"],
    awaiting_review: ["queued", "scheduled", "rejected", "cancelled"],
    failed: ["queued", "scheduled"],
    cancelled: ["queued", "scheduled"],
    succeeded: [],
    blocked: [],
    rejected: [],
  },
  stream: { entity: "task", idColumn: "id" },
  columns: ["attempts", "revivals", "error_code", "error_message", "started_at", "finished_at", "deferred_until", "approved_at"],
});
