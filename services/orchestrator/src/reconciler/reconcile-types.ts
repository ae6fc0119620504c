/** What one pass did to one entity. */
export type ReconcileAction =
  | "none"
  | "task.requeued"
  | "task.revived"
  | "task.finished"
  | "task.failed"
  | "run.requeued"
  | "run.revived"
  | "run.failed"
  | "variation.closed"
  | "ship.requeued"
  | "ship.failed";

export const RECONCILE_ACTIONS: readonly Exclude<ReconcileAction, "none">[] = [
  "task.requeued",
  "task.revived",
  "task.finished",
  "task.failed",
  "run.requeued",
  "run.revived",
  "run.failed",
  "variation.closed",
  "ship.requeued",
  "ship.failed",
];

export type ReconcileOptions = {
  now: number;
  /** Rows changed more recently than this are left alone (their writer may still be enqueueing). */
  afterMs: number;
  /** Dead-lettered jobs of an unfinished entity are replaced this many times, then the entity fails. */
  maxRevivals: number;
  maxPerPass: number;
};
