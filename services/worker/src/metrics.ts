import type { Metrics } from "@threads-agent/observability";

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

/** The original threads-agent's metric names, plus the worker's own. */
export function createWorkerMetrics(metrics: Metrics) {
  return {
    postsGenerated: metrics.counter("posts_generated_total", "Tasks finished, by persona and final status", ["persona_id", "status"]),
    costPerPost: metrics.histogram(
      "cost_per_post_usd",
      "Model cost of each published post in USD (a gpt-4o-mini post is about $0.0001)",
      ["persona_id"],
      [0, 0.00002, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05],
    ),
    latency: metrics.histogram("request_latency_seconds", "Latency of each phase of a content task", ["phase"]),
    retries: metrics.counter("task_retries_total", "Attempts that failed and will be retried, by error code", ["code"]),
    llmCost: metrics.counter("llm_cost_usd_total", "Model cost recorded for tasks in USD", ["provider", "model"]),
    activeJobs: metrics.gauge("worker_active_jobs", "Content jobs being processed now"),
    threadsPublishes: metrics.counter(
      "threads_publishes_total",
      "Publish steps on Threads by outcome: published, recovered (a lost answer found on Threads), deferred (quota), refused, unknown (answer lost)",
      ["outcome"],
    ),
    tokenRefreshes: metrics.counter("threads_token_refreshes_total", "Threads token refreshes by outcome", ["outcome"]),
  };
}
