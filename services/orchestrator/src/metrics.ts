import { QUEUES } from "@threads-agent/contracts";
import { type Metrics, startAtZero } from "@threads-agent/observability";
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
  const tasksCreated = metrics.counter("tasks_created_total", "Tasks accepted through the API, by persona", ["persona_id"]);
  // Final statuses the orchestrator sets itself (a cancel before any worker took the task, the
  // reconciler's dead letters and published-but-unfinished tasks), counted like the worker's.
  const postsGenerated = metrics.counter("posts_generated_total", "Tasks finished, by persona and final status", ["persona_id", "status"]);
  // Every phase is in the family from the start, before the first task.
  const latency = requestLatency(metrics);
  startAtZero(latency, { phase: [...REQUEST_PHASES] });
  const known = new Set<string>();
  return {
    latency,
    tasksCreated,
    /** The personas' series start at 0 (those in the database at start, and any other when it is first seen). */
    personas(ids: readonly string[]) {
      const fresh = ids.filter((id) => !known.has(id));
      for (const id of fresh) known.add(id);
      if (!fresh.length) return;
      startAtZero(tasksCreated, { persona_id: fresh });
      startAtZero(postsGenerated, { persona_id: fresh, status: ["succeeded", "failed", "cancelled", "rejected"] });
    },
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
