import { context, type Span, SpanStatusCode, trace } from "@opentelemetry/api";
import { checkRepoUrl, finalRunStatus, type RepoUrlPolicy, type VariationStatus } from "@threads-agent/contracts";
import {
  type Db,
  findRun,
  IllegalTransition,
  isTerminal,
  type Lifecycle,
  RUN_LIFECYCLE,
  type RunWithVariations,
  toLlmCallRow,
  VARIATION_LIFECYCLE,
  type VariationRow,
} from "@threads-agent/db";
import type { EventLog } from "@threads-agent/events";
import { injectTraceContext, inSpan, type Logger, recordFailure, tracer, withEntity } from "@threads-agent/observability";
import { retry } from "@threads-agent/resilience";
import { type AgentResult, type AgentVerification, toDisplayLine } from "./agent-output.ts";
import { type AgentBackend, LaunchRefused, type VariationOutcome } from "./backends/backend.ts";
import type { LauncherMetrics } from "./metrics.ts";
import { RunOutput, type RunOutputOptions } from "./run-output.ts";

export type RunDeps = {
  db: Db;
  /** Output lines go straight to the run's stream; state changes through `lifecycle` (outbox). */
  events: EventLog;
  lifecycle: Lifecycle;
  backend: AgentBackend;
  logger: Logger;
  metrics: LauncherMetrics;
  repoPolicy: RepoUrlPolicy;
  maxVariations: number;
  /** Tuning for tests and the bench. */
  output?: Pick<RunOutputOptions, "maxBatch" | "highWater" | "maxLinesPerVariation" | "retry">;
  launchRetry?: { attempts: number; baseMs: number };
};

export type RunControl = {
  /** The user cancelled the run. */
  cancel: AbortSignal;
  /** The launcher is shutting down. */
  shutdown: AbortSignal;
};

/** finished: the run is terminal; handed_back: workloads still run and another launcher must take over. */
export type RunResult = "finished" | "handed_back";

const CANCELLED_REASON = "cancelled by the user";

/** A transition someone else already made (the orchestrator cancelled a queued run, say) is not an error here. */
async function unlessDone(change: Promise<unknown>): Promise<boolean> {
  try {
    await change;
    return true;
  } catch (err) {
    if (err instanceof IllegalTransition) return false;
    throw err;
  }
}

/**
 * Drives one run to its end: launches every variation that has not been launched, follows every
 * one that has (a restart resumes here), and records the honest final status. Idempotent: it can
 * be called again for the same run at any point and continues from what the database says.
 */
export async function executeRun(deps: RunDeps, runId: string, control: RunControl): Promise<RunResult> {
  const { db, events, backend } = deps;
  const logger = deps.logger.child({ run_id: runId });
  if (control.shutdown.aborted) return "handed_back";
  const run = await findRun(db, runId);
  if (!run) {
    logger.warn("run not found; nothing to do");
    return "finished";
  }
  // Its events are in the outbox: whatever the stream misses, the relay puts there.
  if (isTerminal(RUN_LIFECYCLE, run.status)) return "finished";

  const output = new RunOutput({ db, events, runId, logger, metrics: deps.metrics, ...deps.output });
  const cancelRequested = () => control.cancel.aborted || run.cancel_requested_at !== null;

  // The queue is not a trust boundary: the policy is checked again before anything is launched.
  const check = checkRepoUrl(run.repo_url, deps.repoPolicy);
  const refusal = !check.ok
    ? `repo_url refused: ${check.message}`
    : run.variations.length > deps.maxVariations
      ? `the run has ${run.variations.length} variations; this deployment allows ${deps.maxVariations} (RUN_MAX_VARIATIONS)`
      : null;

  if (run.status === "queued") {
    const started = await unlessDone(
      deps.lifecycle.run({ id: runId, to: "running", from: ["queued"], set: { started_at: new Date() }, event: { type: "run.started" } }),
    );
    // Cancelled by the orchestrator before this launcher took it.
    if (!started && isTerminal(RUN_LIFECYCLE, ((await findRun(db, runId)) as RunWithVariations).status)) return "finished";
  }

  // The cancel arrives on a Redis message (no trace of its own): its span goes under the run's.
  const runContext = context.active();
  const onCancel = () => {
    context
      .with(runContext, () =>
        inSpan("agent-launcher", "run.cancel", { attributes: { "run.id": runId, "run.backend": backend.name } }, () =>
          backend.cancel(runId),
        ),
      )
      .catch((err: unknown) => logger.error({ err }, "cancelling the run's workloads failed"));
  };
  control.cancel.addEventListener("abort", onCancel, { once: true });
  if (run.cancel_requested_at) onCancel();

  let statuses: (VariationStatus | "detached")[];
  try {
    statuses = await Promise.all(
      run.variations.map((v) =>
        refusal && v.status === "queued"
          ? failUnlaunched(deps, output, runId, v, refusal)
          : trackVariation({
              deps,
              output,
              runId,
              repoUrl: run.repo_url,
              prompt: run.prompt,
              checkCommand: run.check_command,
              variation: v,
              cancelRequested,
              control,
              logger,
            }),
      ),
    );
  } finally {
    control.cancel.removeEventListener("abort", onCancel);
  }
  await output.drain();
  if (statuses.includes("detached")) {
    logger.info("handing the run back: its workloads keep running and the next launcher resumes them");
    return "handed_back";
  }
  await finishRun(deps, runId, statuses as VariationStatus[], control);
  return "finished";
}

async function finishRun(deps: RunDeps, runId: string, statuses: VariationStatus[], control: RunControl): Promise<void> {
  const { db, lifecycle } = deps;
  const now = new Date();
  const run = (await findRun(db, runId)) as RunWithVariations;
  if (control.cancel.aborted || run.cancel_requested_at) {
    // Only the writer that moves the run to its end announces it (the orchestrator may have, for a queued run).
    const cancelled = await unlessDone(
      lifecycle.together(async (t) => {
        for (const v of run.variations) {
          if (isTerminal(VARIATION_LIFECYCLE, v.status)) continue;
          await t.variation({
            id: v.id,
            streamId: runId,
            to: "cancelled",
            set: { reason: CANCELLED_REASON, finished_at: now },
            event: null,
          });
        }
        await t.run({ id: runId, to: "cancelled", set: { finished_at: now }, event: { type: "run.cancelled" } });
      }),
    );
    if (cancelled) deps.metrics.runsFinished.inc({ status: "cancelled" });
    return;
  }
  const status = finalRunStatus(statuses);
  if (await unlessDone(lifecycle.run({ id: runId, to: status, set: { finished_at: now }, event: { type: "run.completed", status } }))) {
    deps.metrics.runsFinished.inc({ status });
  }
}

async function failUnlaunched(deps: RunDeps, output: RunOutput, runId: string, v: VariationRow, reason: string): Promise<VariationStatus> {
  await output.step(() =>
    deps.lifecycle.variation({
      id: v.id,
      streamId: runId,
      to: "failed",
      set: { reason, finished_at: new Date() },
      event: { type: "variation.failed", variation: v.index, reason, exit_code: null },
    }),
  );
  deps.metrics.variationsFinished.inc({ backend: deps.backend.name, status: "failed" });
  return "failed";
}

type TrackInput = {
  deps: RunDeps;
  output: RunOutput;
  runId: string;
  repoUrl: string;
  prompt: string;
  checkCommand: string | null;
  variation: VariationRow;
  cancelRequested: () => boolean;
  control: RunControl;
  logger: Logger;
};

async function launchWithRetry(input: TrackInput & { span: Span }): Promise<{ job: string }> {
  const { deps, variation: v } = input;
  const { attempts, baseMs } = deps.launchRetry ?? { attempts: 4, baseMs: 1000 };
  return retry(
    () =>
      deps.backend.launch({
        runId: input.runId,
        index: v.index,
        repoUrl: input.repoUrl,
        prompt: input.prompt,
        checkCommand: input.checkCommand,
        model: v.model,
        temperature: v.temperature,
        // The agent's own spans continue the variation's.
        trace: injectTraceContext(),
      }),
    {
      attempts,
      baseMs,
      retryable: (err) => !(err instanceof LaunchRefused) && !input.cancelRequested(),
      onRetry: (err, attempt) => {
        input.span.addEvent("variation.launch_failed", { attempt, "error.type": (err as Error).name, message: (err as Error).message });
        input.logger.warn({ variation: v.index, attempt, err }, "launching the variation failed; retrying");
      },
    },
  );
}

/**
 * The result with its verification summary, outcome and score, and the variation's model calls,
 * in one transaction with its `variation.verified` event (outbox), so a viewer told it was
 * verified finds the verification stored.
 */
function saveResult(deps: RunDeps, runId: string, v: VariationRow, result: AgentResult) {
  const summary = result.verification ?? null;
  return deps.lifecycle.together(async (t) => {
    await t.tx.$executeRaw`
      UPDATE variations SET
        summary = ${result.summary}, diff = ${result.diff}, model = ${result.model},
        tokens_in = ${result.usage.tokens_in}, tokens_out = ${result.usage.tokens_out}, cost_usd = ${result.usage.cost_usd},
        outcome = ${summary?.outcome ?? null}, score = ${summary?.score ?? null},
        verification = CASE WHEN ${summary !== null} THEN
          jsonb_set(COALESCE(verification, '{"baseline": null, "patched": null}'::jsonb), '{summary}', ${JSON.stringify(summary)}::jsonb)
          ELSE verification END,
        updated_at = now()
      WHERE id = ${v.id}::uuid`;
    // Every model call of the variation, owned by it, next to the content pipeline's calls.
    await t.tx.llmCall.createMany({ data: result.calls.map((c) => toLlmCallRow(c, { owner: v.id })) });
    if (summary) {
      await t.event(
        { entity: "run", id: runId },
        { type: "variation.verified", variation: v.index, outcome: summary.outcome, score: summary.score },
      );
    }
  });
}

/** One phase's checks (with their output tails) into the variation's stored verification. */
function saveVerification(db: Db, v: VariationRow, e: AgentVerification) {
  const phase = { checks: e.checks, duration_ms: e.duration_ms, skipped: e.skipped };
  return db.$executeRaw`
    UPDATE variations
    SET verification = jsonb_set(COALESCE(verification, '{"baseline": null, "patched": null, "summary": null}'::jsonb),
                                 ${[e.phase]}::text[], ${JSON.stringify(phase)}::jsonb),
        updated_at = now()
    WHERE id = ${v.id}::uuid`;
}

/**
 * A span per variation, under the run's: scheduled, running and finished are its events, its end
 * carries the status, exit code and reason (ERROR with the reason as the exception when it failed).
 * The agent process gets the span's context in its environment (TRACEPARENT), so its own spans
 * (clone, analysis, model calls) are this span's children.
 */
async function trackVariation(input: TrackInput): Promise<VariationStatus | "detached"> {
  const v = input.variation;
  const span = tracer("agent-launcher").startSpan(`variation ${v.index}`, {
    attributes: {
      "run.id": input.runId,
      "variation.index": v.index,
      "variation.id": v.id,
      "variation.model": v.model ?? "default",
      ...(v.temperature !== null ? { "variation.temperature": v.temperature } : {}),
      "variation.backend": input.deps.backend.name,
      "variation.resumed_from": v.status,
    },
  });
  try {
    const status = await context.with(trace.setSpan(context.active(), span), () =>
      withEntity({ "variation.index": v.index }, () => trackVariationNow({ ...input, span })),
    );
    span.setAttribute("variation.status", status);
    if (status === "cancelled") span.addEvent("variation.cancelled");
    return status;
  } catch (err) {
    recordFailure(span, err, { "variation.index": v.index });
    throw err;
  } finally {
    span.end();
  }
}

async function trackVariationNow(input: TrackInput & { span: Span }): Promise<VariationStatus | "detached"> {
  const { deps, output, variation: v, control, runId, span } = input;
  const { backend, metrics, lifecycle } = deps;
  if (isTerminal(VARIATION_LIFECYCLE, v.status)) return v.status;
  const change = (
    to: VariationStatus,
    set: Record<string, string | number | Date | null>,
    event: ({ type: string } & Record<string, unknown>) | null,
  ) => lifecycle.variation({ id: v.id, streamId: runId, to, set, event });

  const markCancelled = async (): Promise<VariationStatus> => {
    let cancelled = false;
    await output.step(async () => {
      cancelled = await unlessDone(change("cancelled", { reason: CANCELLED_REASON, finished_at: new Date() }, null));
    });
    if (cancelled) metrics.variationsFinished.inc({ backend: backend.name, status: "cancelled" });
    return "cancelled";
  };
  const fail = async (reason: string, exitCode: number | null): Promise<VariationStatus> => {
    span.setAttributes({ "variation.reason": reason, ...(exitCode !== null ? { "process.exit.code": exitCode } : {}) });
    span.recordException({ name: "VariationFailed", message: reason });
    span.setStatus({ code: SpanStatusCode.ERROR, message: reason });
    await output.step(() =>
      change(
        "failed",
        { reason, exit_code: exitCode, finished_at: new Date() },
        { type: "variation.failed", variation: v.index, reason, exit_code: exitCode },
      ),
    );
    metrics.variationsFinished.inc({ backend: backend.name, status: "failed" });
    return "failed";
  };

  if (input.cancelRequested()) return markCancelled();
  let job = v.job;
  if (v.status === "queued") {
    try {
      job = (await launchWithRetry(input)).job;
    } catch (err) {
      if (input.cancelRequested()) return markCancelled();
      return fail(err instanceof LaunchRefused ? err.message : `could not start the variation: ${(err as Error).message}`, null);
    }
    const launched = job;
    span.addEvent("variation.scheduled", { "variation.job": launched });
    await output.step(() => change("scheduled", { job: launched }, { type: "variation.scheduled", variation: v.index, job: launched }));
    // A cancel that arrived while the workload was being created found nothing to stop yet.
    if (input.cancelRequested()) await backend.cancel(input.runId);
  }

  let started = v.status === "running";
  let agentError: { code: string; message: string } | null = null;
  let result: AgentResult | null = null;
  const slot = output.slot(v);
  const onStarted = async () => {
    if (started) return;
    started = true;
    span.addEvent("variation.running");
    const at = new Date();
    await output.step(() => change("running", { started_at: at }, { type: "variation.started", variation: v.index }));
  };

  let outcome: VariationOutcome;
  metrics.variationsActive.inc({ backend: backend.name });
  try {
    outcome = await backend.follow(
      { runId: input.runId, index: v.index, job },
      {
        cursor: v.log_cursor,
        onStarted,
        onLines: (lines, cursor) => {
          const display = lines.map((line) => toDisplayLine(line, v.index));
          const accepted = output.lines(slot, display, cursor);
          for (const line of display) {
            if (line.error) agentError = line.error;
            if (line.verification) {
              const found = line.verification;
              output.step(() => saveVerification(deps.db, v, found)).catch(() => {});
            }
            if (line.result) {
              const found = line.result;
              result = found;
              for (const call of found.calls) {
                metrics.llmCost.inc({ provider: call.provider, model: call.model }, call.cost_usd);
                metrics.llmTokens.inc({ model: call.model }, call.tokens_in + call.tokens_out);
              }
              // Queued behind the line that carried it; a failure surfaces through drain().
              output.step(() => saveResult(deps, runId, v, found)).catch(() => {});
            }
          }
          return accepted;
        },
        signal: control.shutdown,
      },
    );
  } finally {
    metrics.variationsActive.dec({ backend: backend.name });
  }

  switch (outcome.status) {
    case "detached":
      return "detached";
    case "cancelled":
      return markCancelled();
    case "succeeded": {
      if (!result) return fail("the agent exited successfully but reported no result", 0);
      await onStarted();
      span.setAttribute("process.exit.code", 0);
      await output.step(() =>
        change(
          "succeeded",
          { exit_code: 0, reason: null, finished_at: new Date() },
          { type: "variation.succeeded", variation: v.index, exit_code: 0 },
        ),
      );
      metrics.variationsFinished.inc({ backend: backend.name, status: "succeeded" });
      return "succeeded";
    }
    case "failed": {
      if (input.cancelRequested()) return markCancelled();
      // A plain non-zero exit is best explained by the agent's own error event; platform causes (OOM, deadline) by the platform.
      const own = agentError as { message: string } | null;
      const reason = outcome.kind === "exit" && own ? own.message : outcome.reason;
      return fail(reason, outcome.exitCode);
    }
  }
}
