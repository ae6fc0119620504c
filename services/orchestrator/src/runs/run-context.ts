import { type AgentRunJob, QUEUES, type RepoUrlPolicy, RUN_EVENT_STREAM_MAXLEN, TERMINAL_RUN_EVENTS } from "@threads-agent/contracts";
import type { Db } from "@threads-agent/db";
import { EventLog } from "@threads-agent/events";
import type { Logger } from "@threads-agent/observability";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";

export type RunQueue = Queue<AgentRunJob>;

/** What the run operations need; built by the run routes from the app's shared connections. */
export type RunContext = {
  db: Db;
  redis: Redis;
  queue: RunQueue;
  /** The runs' event log: its terminal events are run.completed and run.cancelled. */
  events: EventLog;
  logger: Logger;
  /** REDIS_PREFIX: queue keys and the cancel channel live under it. */
  prefix: string;
  repoPolicy: RepoUrlPolicy;
  maxVariations: number;
};

export function createRunQueue(connection: Redis, prefix: string): RunQueue {
  return new Queue<AgentRunJob>(QUEUES.agentRuns, { connection, prefix });
}

export function createRunEventLog(redis: Redis, options: { prefix: string; retentionSeconds: number }): EventLog {
  return new EventLog({
    redis,
    prefix: options.prefix,
    // The launcher writes thousands of lines to the same stream: the same cap for every writer.
    maxLen: RUN_EVENT_STREAM_MAXLEN,
    retentionSeconds: options.retentionSeconds,
    isTerminal: (type) => TERMINAL_RUN_EVENTS.has(type),
  });
}

/** Appends after the database change has committed; the database is the truth, so a failed append is logged. */
export async function announceRun(ctx: RunContext, runId: string, event: { type: string } & Record<string, unknown>): Promise<void> {
  try {
    await ctx.events.append("run", runId, event);
  } catch (err) {
    ctx.logger.warn({ err, run_id: runId, event: event.type }, "could not append the run event");
  }
}
