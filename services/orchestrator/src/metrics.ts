import { personaStats } from "@threads-agent/db";
import { type Metrics, startAtZero } from "@threads-agent/observability";
import type { JobType } from "bullmq";
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
export function createOrchestratorMetrics(
  deps: Pick<OrchestratorDeps, "metrics" | "redis" | "workQueues" | "logger" | "db"> & {
    config: Pick<OrchestratorDeps["config"], "ENGAGEMENT_METRICS_WINDOW">;
  },
) {
  const { metrics } = deps;
  const tasksCreated = metrics.counter("tasks_created_total", "Tasks accepted through the API, by persona", ["persona_id"]);
  // Final statuses the orchestrator sets itself (a cancel before any worker took the task, the
  // reconciler's dead letters and published-but-unfinished tasks), counted like the worker's.
  const postsGenerated = metrics.counter("posts_generated_total", "Tasks finished, by persona and final status", ["persona_id", "status"]);
  // Every phase is in the family from the start, before the first task.
  const latency = requestLatency(metrics);
  startAtZero(latency, { phase: [...REQUEST_PHASES] });
  const known = new Set<string>();
  // The seed's business KPIs, per persona over ENGAGEMENT_METRICS_WINDOW, read from the database on each scrape.
  const windowMs = deps.config.ENGAGEMENT_METRICS_WINDOW;
  type Kpi = { rate: number; costPerFollow: number };
  let kpis: Promise<Map<string, Kpi>> | null = null;
  const readKpis = () => {
    // One read serves both gauges of a scrape.
    kpis ??= (async () => {
      const out = new Map<string, Kpi>();
      // Every persona in the database (one added through the API included) has both series, 0 until it has numbers.
      const personas = await deps.db.persona.findMany({ select: { id: true } });
      for (const { id } of personas) {
        const stats = await personaStats(deps.db, id, windowMs);
        out.set(id, { rate: stats.engagement_rate ?? 0, costPerFollow: stats.cost_per_follower_usd ?? 0 });
      }
      return out;
    })().finally(() => setTimeout(() => (kpis = null), 1000).unref());
    return kpis;
  };
  const setKpi = async (gauge: { reset(): void; set(labels: { persona_id: string }, value: number): void }, pick: (k: Kpi) => number) => {
    try {
      const values = await readKpis();
      gauge.reset();
      for (const [id, kpi] of values) gauge.set({ persona_id: id }, pick(kpi));
    } catch (err) {
      // A scrape must not fail because the database is down; /ready reports that.
      deps.logger.warn({ err: { message: (err as Error).message } }, "could not read engagement figures for metrics");
    }
  };
  metrics.gauge(
    "posts_engagement_rate",
    "Engagement rate of the persona's posts over ENGAGEMENT_METRICS_WINDOW: (likes + replies + reposts + quotes) / views (target 0.06)",
    ["persona_id"],
    async function () {
      await setKpi(this, (k) => k.rate);
    },
  );
  metrics.gauge(
    "cost_per_follow_dollars",
    "LLM spend over followers gained in ENGAGEMENT_METRICS_WINDOW, USD (target 0.01; 0 until a follower is gained)",
    ["persona_id"],
    async function () {
      await setKpi(this, (k) => k.costPerFollow);
    },
  );
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
        for (const { name, queue } of deps.workQueues) {
          const counts = await queue.getJobCounts(...JOB_STATES);
          for (const state of JOB_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
        }
      } catch (err) {
        deps.logger.warn({ err }, "could not read queue counts for metrics");
      }
    }),
  };
}
