import { type Metrics, startAtZero } from "@threads-agent/observability";
import { TASK_ERROR_CODES } from "./errors.ts";

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

/** Final statuses a task can end with in the worker. */
export const FINISHED_STATUSES = ["succeeded", "failed", "blocked", "cancelled"] as const;
const PHASES = ["generate", "publish", "total"] as const;

/** The original threads-agent's metric names, plus the worker's own. */
export function createWorkerMetrics(metrics: Metrics) {
  const postsGenerated = metrics.counter("posts_generated_total", "Tasks finished, by persona and final status", ["persona_id", "status"]);
  const costPerPost = metrics.histogram(
    "cost_per_post_usd",
    "Model cost of each published post in USD (a gpt-4o-mini post is about $0.0001)",
    ["persona_id"],
    [0, 0.00002, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05],
  );
  const latency = metrics.histogram("request_latency_seconds", "Latency of each phase of a content task", ["phase"]);
  const retries = metrics.counter("task_retries_total", "Attempts that failed and will be retried, by error code", ["code"]);
  const attempts = metrics.counter("task_attempts_total", "Attempts of content tasks started");
  const attemptErrors = metrics.counter(
    "task_attempt_errors_total",
    "Attempts that failed, retried or final, by error code (error_rate_percentage divides these by task_attempts_total)",
    ["code"],
  );
  startAtZero(latency, { phase: PHASES });
  startAtZero(retries, { code: TASK_ERROR_CODES });
  startAtZero(attemptErrors, { code: TASK_ERROR_CODES });
  attempts.inc(0);
  const nearDuplicates = metrics.counter(
    "near_duplicate_drafts_total",
    "Drafts too close to a recent post of the persona: redrafted from another angle, or the task blocked",
    ["persona_id", "outcome"],
  );
  const insightReadings = metrics.counter(
    "insights_readings_total",
    "Insights readings of published posts by outcome: stored, deferred (Threads unavailable or rate-limited), gone (the post or its account is no longer readable)",
    ["outcome"],
  );
  startAtZero(insightReadings, { outcome: ["stored", "deferred", "gone"] });
  const known = new Set<string>();
  return {
    nearDuplicates,
    insightReadings,
    postsGenerated,
    costPerPost,
    latency,
    retries,
    attempts,
    attemptErrors,
    llmCost: metrics.counter("llm_cost_usd_total", "Model cost recorded for tasks in USD", ["provider", "model"], { openLabels: true }),
    activeJobs: metrics.gauge("worker_active_jobs", "Content jobs being processed now"),
    /**
     * Every status and the cost histogram of these personas start at 0: those known at start, and
     * any other the moment its first task starts (long before it finishes).
     */
    personas(ids: readonly string[]) {
      const fresh = ids.filter((id) => !known.has(id));
      if (fresh.length === 0) return;
      for (const id of fresh) known.add(id);
      startAtZero(postsGenerated, { persona_id: fresh, status: FINISHED_STATUSES });
      startAtZero(costPerPost, { persona_id: fresh });
      startAtZero(nearDuplicates, { persona_id: fresh, outcome: ["redrafted", "blocked"] });
    },
    threadsPublishes: metrics.counter(
      "threads_publishes_total",
      "Publish steps on Threads by outcome: published, recovered (a lost answer found on Threads), deferred (quota), refused, unknown (answer lost)",
      ["outcome"],
    ),
    tokenRefreshes: metrics.counter("threads_token_refreshes_total", "Threads token refreshes by outcome", ["outcome"]),
  };
}
