// The agent-runs queue: its job, the job options every producer uses, and the Redis channel of cancels.
import { z } from "zod";
import { Uuid } from "./ids.ts";
/** The agent-runs job carries only the id: the run row is the source of truth. */
export const AgentRunJob = z.object({
  run_id: Uuid,
  /** W3C trace context of the request that created the run. */
  trace: z.record(z.string(), z.string()).optional(),
});
export type AgentRunJob = z.infer<typeof AgentRunJob>;

/** The run id is the job id, so re-enqueueing (sweeper, retries) never runs a run twice at once. */
export const agentRunJobOptions = (runId: string) => ({
  jobId: runId,
  // A failed attempt (database or Redis trouble) resumes from what was stored, so retrying is safe.
  attempts: 5,
  backoff: { type: "exponential" as const, delay: 2000 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
});

/** Redis keys and channels for runs; every key starts with the deployment's REDIS_PREFIX. */
export const runRedisKeys = (prefix: string) => ({
  /** PUBLISH a run id here to cancel it; the launcher holding the run acts at once (the database flag is the backstop). */
  cancelChannel: `${prefix}:runs:cancel`,
});
