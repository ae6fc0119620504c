import { type Metrics, startAtZero } from "@threads-agent/observability";

/** The launcher's own metrics (agent job states, log throughput, stream resumes), on the service registry. */
export function createLauncherMetrics(metrics: Metrics, backend?: "local" | "kubernetes") {
  const variationsActive = metrics.gauge("agent_variations_active", "Variations being followed by this launcher", ["backend"] as const);
  const variationsFinished = metrics.counter("agent_variations_finished_total", "Variations finished, by outcome", [
    "backend",
    "status",
  ] as const);
  const runsFinished = metrics.counter("agent_runs_finished_total", "Runs finished, by final status", ["status"] as const);
  // Every outcome from 0, so a first failure is visible to rate() (the VariationsFailing alert).
  startAtZero(runsFinished, { status: RUN_FINAL_STATUSES });
  if (backend) {
    startAtZero(variationsFinished, { backend: [backend], status: VARIATION_FINAL_STATUSES });
    variationsActive.set({ backend }, 0);
  }
  return {
    variationsActive,
    variationsFinished,
    runsFinished,
    llmCost: metrics.counter("llm_cost_usd_total", "Model cost recorded in USD (agent variations here)", ["provider", "model"] as const, {
      openLabels: true,
    }),
    llmTokens: metrics.counter(
      "llm_tokens_total",
      "Tokens (input plus output) used per model (agent variations here)",
      ["model"] as const,
      {
        openLabels: true,
      },
    ),
    logLines: metrics.counter("agent_log_lines_total", "Agent output lines stored and streamed"),
    flushSeconds: metrics.histogram(
      "agent_log_flush_seconds",
      "Time to store and stream one batch of output lines",
      [],
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    ),
    logResumes: metrics.counter("agent_log_stream_resumes_total", "Pod log streams resumed after a drop or an early end"),
    watchRestarts: metrics.counter("agent_watch_restarts_total", "Kubernetes watch restarts, by resource and reason", [
      "resource",
      "reason",
    ] as const),
  };
}

const RUN_FINAL_STATUSES = ["succeeded", "partially_failed", "failed", "cancelled"] as const;
const VARIATION_FINAL_STATUSES = ["succeeded", "failed", "cancelled"] as const;

export type LauncherMetrics = ReturnType<typeof createLauncherMetrics>;
