import type { LegacyCreateTask, TaskType } from "@threads-agent/contracts";

/** A legacy body as a task; `input` is absent when the caller named none (the persona then picks a topic). */
export type LegacyTask = { persona_id: string; task_type: TaskType; input?: string };

/**
 * Maps the original threads-agent's `POST /task` body onto a task. Its clients sent task types
 * beyond "trend" and "pain" ("create_post", "pain_point", ...): a type naming one of ours wins;
 * otherwise the input field that was sent decides, a pain statement alone meaning "pain".
 */
export function fromLegacy(body: LegacyCreateTask): LegacyTask {
  const type = body.task_type.toLowerCase();
  let taskType: TaskType;
  if (type.includes("pain")) taskType = "pain";
  else if (type.includes("trend")) taskType = "trend";
  else taskType = body.pain_statement && !body.trend_snippet ? "pain" : "trend";
  const input = taskType === "pain" ? (body.pain_statement ?? body.trend_snippet) : (body.trend_snippet ?? body.pain_statement);
  return { persona_id: body.persona_id, task_type: taskType, ...(input ? { input } : {}) };
}
