import { z } from "zod";
import { Post } from "./posts.ts";

/** Pipeline steps in graph order. */
export const STEPS = ["ingest", "hook", "body", "guardrail", "format"] as const;
export const Step = z.enum(STEPS);
export type Step = z.infer<typeof Step>;

// Each event's own fields; the envelope (type, entity id, at) is added by the event log.
export const TaskEventFields = {
  /** `reason` when it is queued again: a retry, or its job was lost and the reconciler queued it again. */
  "task.queued": z.object({ reason: z.string().optional() }),
  "task.started": z.object({ attempt: z.number().int() }),
  /** Again for the same step, with `reason`, when its streamed text so far is void (a retry or the fallback model starts over). */
  "step.started": z.object({ step: Step, reason: z.string().optional() }),
  "step.completed": z.object({ step: Step, ms: z.number(), tokens: z.number().int() }),
  "step.delta": z.object({ step: Step, text: z.string() }),
  "task.retrying": z.object({ attempt: z.number().int(), error: z.string(), delay_ms: z.number().int() }),
  /** The account's Threads publishing quota is used up: the task waits until `until` (ISO time), no attempt spent. */
  "task.deferred": z.object({ until: z.string(), reason: z.string() }),
  /**
   * A dependency (persona-runtime, threads, model-providers) is failing or its circuit breaker is
   * open: the task waits in `deferred`, no attempt spent, and runs again at `retry_at` (ISO time).
   */
  "task.waiting": z.object({ dependency: z.string(), reason: z.string(), retry_at: z.string() }),
  /** Waits for its publish time `publish_at` (ISO); then `task.started` (or, approved, the publish). */
  "task.scheduled": z.object({ publish_at: z.string() }),
  /** The draft is written and waits for a person: POST /v1/tasks/:id/approve or /reject. */
  "task.awaiting_review": z.object({ post: Post }),
  /** A person approved the draft (`edited`: with their own text); `task.queued` or `task.scheduled` follows. */
  "task.approved": z.object({ edited: z.boolean(), text: z.string() }),
  "task.succeeded": z.object({ post: Post }),
  "task.failed": z.object({ error: z.object({ code: z.string(), message: z.string() }) }),
  /** `code`: `guardrail_blocked` (the guardrail or a model's refusal) or `duplicate` (too close to a recent post twice). */
  "task.blocked": z.object({ reason: z.string(), code: z.string().optional() }),
  "task.cancelled": z.object({}),
  "task.rejected": z.object({ reason: z.string() }),
} as const;

export type TaskEventType = keyof typeof TaskEventFields;
export type TaskEventPayload<T extends TaskEventType> = z.infer<(typeof TaskEventFields)[T]>;
export type TaskEvent = {
  [T in TaskEventType]: { type: T } & TaskEventPayload<T>;
}[TaskEventType];

export const TERMINAL_TASK_EVENTS: ReadonlySet<string> = new Set([
  "task.succeeded",
  "task.failed",
  "task.blocked",
  "task.cancelled",
  "task.rejected",
]);

/** The flat JSON object each SSE `data:` line carries. */
export type EventEnvelope = { type: string; at: string } & Record<string, unknown>;

/** Kinds of entity with an event stream, and the id field their events carry. */
export const EVENT_ENTITIES = { task: "task_id", run: "run_id" } as const;
export type EventEntity = keyof typeof EVENT_ENTITIES;
