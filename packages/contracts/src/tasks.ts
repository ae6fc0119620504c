import { z } from "zod";
import { PersonaId, Timestamp, Uuid } from "./ids.ts";
import { Post } from "./posts.ts";

export const TASK_INPUT_MAX_CHARS = 2000;

export const TaskStatus = z.enum(["queued", "running", "succeeded", "failed", "blocked", "cancelled"]);
export type TaskStatus = z.infer<typeof TaskStatus>;
export const TERMINAL_TASK_STATUSES: readonly TaskStatus[] = ["succeeded", "failed", "blocked", "cancelled"];

/** What the input is: a trend to riff on, or a pain statement to answer. */
export const TaskType = z.enum(["trend", "pain"]);
export type TaskType = z.infer<typeof TaskType>;

const input = z
  .string({ message: "expected a string" })
  .trim()
  .min(1, "must not be empty")
  .max(TASK_INPUT_MAX_CHARS, `at most ${TASK_INPUT_MAX_CHARS} characters`);

export const CreateTask = z
  .strictObject({
    persona_id: PersonaId,
    input,
    task_type: TaskType.default("trend"),
  })
  .meta({ id: "CreateTask" });
export type CreateTask = z.infer<typeof CreateTask>;

/** The original threads-agent's `POST /task` body. */
export const LegacyCreateTask = z
  .object({
    persona_id: PersonaId,
    task_type: z.string().min(1).max(64),
    pain_statement: input.optional(),
    trend_snippet: input.optional(),
  })
  .superRefine((v, ctx) => {
    if (!v.pain_statement && !v.trend_snippet) {
      ctx.addIssue({ code: "custom", path: ["trend_snippet"], message: "either trend_snippet or pain_statement is required" });
    }
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
