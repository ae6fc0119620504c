import { TERMINAL_TASK_EVENTS } from "@threads-agent/contracts";
import type { Db } from "@threads-agent/db";
import { EventLog } from "@threads-agent/events";
import type { Logger } from "@threads-agent/observability";
import type { Redis } from "ioredis";
import type { Config } from "../config.ts";
import type { ContentQueue, JobSettings } from "./task-queue.ts";

/** What the task operations need; built once in app.ts (and main.ts for the sweeper). */
export type TaskContext = {
  db: Db;
  redis: Redis;
  queue: ContentQueue;
  events: EventLog;
  logger: Logger;
  /** REDIS_PREFIX, for the shared keys in contracts' redisKeys(). */
  prefix: string;
  jobs: JobSettings;
};

/** The context over the given connections, with the prefix and the job settings from the config. */
export function createTaskContext(
  config: Pick<Config, "REDIS_PREFIX" | "TASK_MAX_ATTEMPTS" | "TASK_BACKOFF_MS">,
  connections: Omit<TaskContext, "prefix" | "jobs">,
): TaskContext {
  return {
    ...connections,
    prefix: config.REDIS_PREFIX,
    jobs: { attempts: config.TASK_MAX_ATTEMPTS, backoffMs: config.TASK_BACKOFF_MS },
  };
}

export function createTaskEventLog(redis: Redis, options: { prefix: string; maxLen: number; retentionSeconds: number }): EventLog {
  return new EventLog({
    redis,
    prefix: options.prefix,
    maxLen: options.maxLen,
    retentionSeconds: options.retentionSeconds,
    isTerminal: (type) => TERMINAL_TASK_EVENTS.has(type),
  });
}

/**
 * Appends an event after the database change it reports has committed. The database is the
 * truth: a failed append is logged, not thrown, and SSE falls back to a database snapshot.
 */
export async function announce(ctx: TaskContext, taskId: string, event: { type: string } & Record<string, unknown>): Promise<void> {
  try {
    await ctx.events.append("task", taskId, event);
  } catch (err) {
    ctx.logger.warn({ err, task_id: taskId, event: event.type }, "could not append the task event");
  }
}
