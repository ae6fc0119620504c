import { z } from "zod";
import { PersonaId, Timestamp, Uuid } from "./ids.ts";
import { Post } from "./posts.ts";
import { text } from "./text.ts";
import { THREADS_MAX_CHARS } from "./threads-text.ts";

export const TASK_INPUT_MAX_CHARS = 2000;

/**
 * `deferred`: the post is ready but the persona's Threads account has used up its publishing quota;
 * the task waits (its job delayed, no attempt spent) until `deferred_until`, then runs again.
 * `scheduled`: the task waits for its `publish_at` (its job delayed to it), then proceeds.
 * `awaiting_review`: the draft post is written; a person approves (POST .../approve) or rejects it.
 * `rejected`: a person rejected the draft; nothing was published.
 */
export const TaskStatus = z.enum([
  "queued",
  "running",
  "deferred",
  "scheduled",
  "awaiting_review",
  "succeeded",
  "failed",
  "blocked",
  "cancelled",
  "rejected",
]);
export type TaskStatus = z.infer<typeof TaskStatus>;
export const TERMINAL_TASK_STATUSES: readonly TaskStatus[] = ["succeeded", "failed", "blocked", "cancelled", "rejected"];

/** How far ahead publish_at may be. */
export const PUBLISH_AT_MAX_DAYS = 365;

/** What the input is: a trend to riff on, or a pain statement to answer. */
export const TaskType = z.enum(["trend", "pain"]);
export type TaskType = z.infer<typeof TaskType>;

const input = text({ max: TASK_INPUT_MAX_CHARS });

const publishAt = Timestamp.refine((v) => Date.parse(v) <= Date.now() + PUBLISH_AT_MAX_DAYS * 86_400_000, {
  message: `at most ${PUBLISH_AT_MAX_DAYS} days ahead`,
}).meta({
  description: "Publish no earlier than this ISO time (with offset): the task waits in `scheduled`. A time in the past publishes at once.",
});

export const CreateTask = z
  .strictObject({
    persona_id: PersonaId,
    /** Absent: the persona's freshest unused trend (GET /v1/trends?unused=true) is taken and marked used. */
    input: input.optional().meta({ description: "What to write about. Absent: the persona's freshest unused trend, marked used" }),
    task_type: TaskType.default("trend"),
    publish_at: publishAt.optional(),
    /** True: the task stops at `awaiting_review` with its draft until approved or rejected. */
    review: z.boolean({ message: "expected true or false" }).default(false),
  })
  .meta({ id: "CreateTask" });
export type CreateTask = z.infer<typeof CreateTask>;

/**
 * The original threads-agent's `POST /task` body. `{persona_id, task_type}` alone is enough: the
 * persona then writes on a topic of its own (its `topics`, see the orchestrator's topic choice).
 */
export const LegacyCreateTask = z
  .object({
    persona_id: PersonaId,
    task_type: text({ max: 64, trim: false }),
    pain_statement: input.optional(),
    trend_snippet: input.optional(),
  })
  .meta({ id: "LegacyCreateTask" });
export type LegacyCreateTask = z.infer<typeof LegacyCreateTask>;

export const Usage = z.object({
  tokens_in: z.number().int(),
  tokens_out: z.number().int(),
  cost_usd: z.number(),
});
export type Usage = z.infer<typeof Usage>;

export const TaskError = z.object({ code: z.string(), message: z.string() });
export type TaskError = z.infer<typeof TaskError>;

export const Task = z
  .object({
    id: Uuid,
    persona_id: PersonaId,
    task_type: TaskType,
    input: z.string(),
    status: TaskStatus,
    attempts: z.number().int(),
    created_at: Timestamp,
    updated_at: Timestamp,
    finished_at: Timestamp.nullable(),
    /** While `deferred`: when the task runs again (the Threads publishing quota frees up). */
    deferred_until: Timestamp.nullable(),
    /** Publish no earlier than this (the task waits in `scheduled` until then). */
    publish_at: Timestamp.nullable(),
    /** Whether the draft waits for a person's approval (`awaiting_review`). */
    review: z.boolean(),
    /** When a person approved the draft. */
    approved_at: Timestamp.nullable(),
    /** The trend the task was written from, when it was created without input. */
    trend_id: Uuid.nullable(),
    /** The persona schedule's slot that created it, if a schedule did. */
    slot_at: Timestamp.nullable(),
    post: Post.nullable(),
    error: TaskError.nullable(),
    usage: Usage,
  })
  .meta({ id: "Task" });
export type Task = z.infer<typeof Task>;

/** POST /v1/tasks/:id/approve: publish the draft (now, or at publish_at), optionally edited. */
export const ApproveTask = z
  .strictObject({
    text: text({ max: 10_000 })
      .optional()
      .meta({
        description: `The post as it should go out, replacing the draft's text; at most ${THREADS_MAX_CHARS} characters as Threads counts them and passing the guardrail (422 naming text otherwise)`,
      }),
  })
  .meta({ id: "ApproveTask" });
export type ApproveTask = z.infer<typeof ApproveTask>;

/** POST /v1/tasks/:id/reject: end the task `rejected`, nothing published. */
export const RejectTask = z
  .strictObject({
    reason: text({ max: 1000 }),
  })
  .meta({ id: "RejectTask" });
export type RejectTask = z.infer<typeof RejectTask>;

export const TaskListQuery = z.object({
  status: TaskStatus.optional(),
  persona_id: PersonaId.optional(),
});
