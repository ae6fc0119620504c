import { QUEUES } from "@threads-agent/contracts";
import type { Metrics } from "@threads-agent/observability";
import type { JobType, Queue } from "bullmq";
import type { OrchestratorDeps } from "./deps.ts";

/** Job states reported per queue; the same names BullMQ's getJobCounts uses. */
export const JOB_STATES: readonly JobType[] = ["waiting", "active", "delayed", "prioritized", "waiting-children", "completed", "failed"];

export type OrchestratorMetrics = ReturnType<typeof createOrchestratorMetrics>;

/** Phases of accepting a task that the original threads-agent measured (`request_latency_seconds{phase}`). */
export const REQUEST_PHASES = ["accept", "enqueue"] as const;

/**
 * The original's `request_latency_seconds{phase}` for the orchestrator's own phases: `accept`
 * (the row and its event committed) and `enqueue` (the job handed to the queue).
 */
export function requestLatency(metrics: Metrics) {
  return metrics.histogram("request_latency_seconds", "Latency of each phase of accepting a task (accept: committed, enqueue: queued)", [
    "phase",
  ]);
}

/** The orchestrator's own metrics, on the service registry next to registerCommon's RED metrics. */
export function createOrchestratorMetrics(deps: Pick<OrchestratorDeps, "metrics" | "redis" | "taskQueue" | "runQueue" | "logger">) {
  const { metrics } = deps;
  // Every phase is in the family from the start, before the first task.
  const latency = requestLatency(metrics);
  for (const phase of REQUEST_PHASES) latency.zero({ phase });
  return {
    latency,
    tasksCreated: metrics.counter("tasks_created_total", "Tasks accepted through the API, by persona", ["persona_id"]),
    sseConnections: metrics.gauge("sse_connections", "Open Server-Sent Events streams"),
    queueJobs: metrics.gauge("queue_jobs", "BullMQ jobs per queue and state, read on each scrape", ["queue", "state"], async function () {
      // A scrape must not fail (or hang) because Redis is down; /ready reports that. Stale values are dropped.
      this.reset();
      if (deps.redis.status !== "ready") return;
      try {
        for (const { name, queue } of [
          { name: QUEUES.content, queue: deps.taskQueue as Queue },
          { name: QUEUES.agentRuns, queue: deps.runQueue as Queue },
        ]) {
          const counts = await queue.getJobCounts(...JOB_STATES);
          for (const state of JOB_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
        }
      } catch (err) {
        deps.logger.warn({ err }, "could not read queue counts for metrics");
      }
    }),
  };
}
