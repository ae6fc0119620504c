import { z } from "zod";
import { Uuid } from "./ids.ts";

export const QUEUES = { content: "content", agentRuns: "agent-runs" } as const;

/** The content job carries only the id: the database row is the source of truth. */
export const ContentJob = z.object({
  task_id: Uuid,
  /** W3C trace context of the request that enqueued it, so the worker continues the same trace. */
  trace: z.record(z.string(), z.string()).optional(),
});
export type ContentJob = z.infer<typeof ContentJob>;
