import { z } from "zod";
import { PersonaId, Timestamp, Uuid } from "./ids.ts";
import { Post } from "./posts.ts";
import { text } from "./text.ts";

export const TASK_INPUT_MAX_CHARS = 2000;

/**
 * `deferred`: the post is ready but the persona's Threads account has used up its publishing quota;
 * the task waits (its job delayed, no attempt spent) until `deferred_until`, then runs again.
 */
export const TaskStatus = z.enum(["queued", "running", "deferred", "succeeded", "failed", "blocked", "cancelled"]);
export type TaskStatus = z.infer<typeof TaskStatus>;
export const TERMINAL_TASK_STATUSES: readonly TaskStatus[] = ["succeeded", "failed", "blocked", "cancelled"];

/** What the input is: a trend to riff on, or a pain statement to answer. */
export const TaskType = z.enum(["trend", "pain"]);
export type TaskType = z.infer<typeof TaskType>;

const input = text({ max: TASK_INPUT_MAX_CHARS });

export const CreateTask = z
  .strictObject({
    persona_id: PersonaId,
    input,
    task_type: TaskType.default("trend"),
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
    post: Post.nullable(),
    error: TaskError.nullable(),
    usage: Usage,
  })
  .meta({ id: "Task" });
export type Task = z.infer<typeof Task>;

export const TaskListQuery = z.object({
  status: TaskStatus.optional(),
  persona_id: PersonaId.optional(),
});
