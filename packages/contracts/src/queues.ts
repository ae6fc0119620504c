import { z } from "zod";
import { Uuid } from "./ids.ts";

export const QUEUES = {
  content: "content",
  agentRuns: "agent-runs",
  /** Pushing a run's winner as a new branch (the agent's ship mode), one job per push. */
  agentShips: "agent-ships",
  /** The worker's scheduled upkeep of Threads accounts (token refresh), one job per interval across replicas. */
  threadsAccounts: "threads-accounts",
  /** Reading engagement back: a delayed job per post and INSIGHTS_SCHEDULE offset, and the daily follower counts. */
  insights: "insights",
  /** The orchestrator's trend-feed polls (one job per TREND_POLL_SECONDS across replicas). */
  trends: "trends",
  /** One job scheduler per persona with a schedule: each slot's job creates that slot's task. */
  personaSchedules: "persona-schedules",
} as const;

/** One reading of a published post's insights (job `post-insights`), `offset_s` after the worker saw it published. */
export const InsightsJob = z.object({ post_id: Uuid, offset_s: z.number().int().min(0) });
export type InsightsJob = z.infer<typeof InsightsJob>;

/** The content job carries only the id: the database row is the source of truth. */
export const ContentJob = z.object({
  task_id: Uuid,
  /** W3C trace context of the request that enqueued it, so the worker continues the same trace. */
  trace: z.record(z.string(), z.string()).optional(),
  /** Set by the worker while the task waits for a dependency (epoch ms of the first failure): the outage budget counts from it. */
  waiting_since: z.number().int().nonnegative().optional(),
  /** How many times it has waited for a dependency in this outage (its next wait grows with it). */
  waits: z.number().int().nonnegative().optional(),
});
export type ContentJob = z.infer<typeof ContentJob>;

/** Redis keys shared between services; every key starts with the deployment's REDIS_PREFIX. */
export const redisKeys = (prefix: string) => ({
  /** Set by the orchestrator when a running task must stop; the worker holding it acts on it. */
  cancelTask: (taskId: string) => `${prefix}:cancel:task:${taskId}`,
  /** Idempotency-Key records: `<entity id>:<body hash>`. */
  idempotency: (scope: string, key: string) => `${prefix}:idem:${scope}:${key}`,
});

/** Job options the orchestrator gives every content job (the worker reads attempts from the job). */
export const contentJobOptions = (taskId: string, attempts: number, backoffMs: number) => ({
  jobId: taskId,
  attempts,
  backoff: { type: "exponential" as const, delay: backoffMs },
  // Completed jobs are only bookkeeping (the database has the result); failed ones stay as dead letters.
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
});
