// The workload backend hides where a variation runs (a Kubernetes Job or a local process). The
// launcher's run logic only ever sees this interface, so both backends behave identically to it.

/** Everything needed to start one variation of a run. */
export type VariationSpec = {
  runId: string;
  index: number;
  repoUrl: string;
  prompt: string;
  model: string | null;
  temperature: number | null;
  /** The run's check command (AGENT_CHECK_COMMAND for this variation); null: the deployment's, or detected. */
  checkCommand?: string | null;
  /**
   * W3C trace context of the variation's span (`traceparent`, `tracestate`, `baggage`), handed to
   * the agent as TRACEPARENT / TRACESTATE / BAGGAGE so its own spans join the run's trace.
   */
  trace?: Record<string, string>;
  /**
   * Set for a push of the run's winner (the agent's ship mode) instead of a variation: the
   * workload commits `patch` on the new `branch` and pushes it. `id` is the ship's row id.
   */
  ship?: { id: string; branch: string; patch: string };
};

/** The environment variables that carry a variation's trace context into the agent process. */
export function traceEnv(trace: Record<string, string> | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  if (trace?.traceparent) env.TRACEPARENT = trace.traceparent;
  if (trace?.tracestate) env.TRACESTATE = trace.tracestate;
  if (trace?.baggage) env.BAGGAGE = trace.baggage;
  return env;
}

/** A launched workload: a variation, or (with `ship`, the ship's id) a push of the run's winner. */
export type VariationRef = { runId: string; index: number; job: string | null; ship?: string };

/** One line of the agent's output as the backend read it (without its trailing newline). */
export type OutputLine = { text: string; ts: Date };

export type VariationOutcome =
  | { status: "succeeded"; exitCode: 0 }
  /** `kind` "exit": the agent exited non-zero on its own (its own error event says why); anything else is the platform's reason. */
  | { status: "failed"; kind: "exit" | "platform"; reason: string; exitCode: number | null }
  | { status: "cancelled" }
  /** Following stopped (launcher shutdown) while the workload keeps running elsewhere; a later launcher resumes it. */
  | { status: "detached" };

export type FollowOptions = {
  /** Where the stored output stops (opaque to the launcher; from `onLines`), or null for the beginning. */
  cursor: string | null;
  /** The workload's container/process started. Called at most once. */
  onStarted: () => Promise<void>;
  /**
   * Lines in order with the cursor just after them. The promise is the backpressure: the backend
   * reads no further until it settles.
   */
  onLines: (lines: OutputLine[], cursor: string | null) => Promise<void>;
  /** Aborted when the launcher shuts down. */
  signal: AbortSignal;
};

export interface AgentBackend {
  readonly name: "local" | "kubernetes";
  /** Whether workloads outlive the launcher (true: hand runs back on shutdown; false: they end with it). */
  readonly survivesRestart: boolean;
  /** Creates the variation's workload; creating one that already exists returns it (idempotent). */
  launch(spec: VariationSpec): Promise<{ job: string }>;
  /** Follows a launched workload until it ends; resumes from `cursor` after a restart or a dropped stream. */
  follow(ref: VariationRef, options: FollowOptions): Promise<VariationOutcome>;
  /** Stops every workload of the run; their follow() calls then resolve with `cancelled`. */
  cancel(runId: string): Promise<void>;
  close(): Promise<void>;
}

/** A launch that cannot succeed by retrying (bad spec, quota, forbidden): the variation fails with this message. */
export class LaunchRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LaunchRefused";
  }
}
