// Agent runs: a prompt plus a git repository run as N parallel variations. Their statuses and API
// bodies; the queue is in run-queue.ts, the events in run-events.ts, the agent's stdout protocol in
// agent-protocol.ts and the repo_url policy in repo-url.ts.
import { z } from "zod";
import { CheckResult, VerificationOutcome, VerificationSummary } from "./agent-verification.ts";
import { Timestamp, Uuid } from "./ids.ts";
import { REPO_URL_MAX_CHARS } from "./repo-url.ts";
import { BranchName, RunShip } from "./ships.ts";
import { Usage } from "./tasks.ts";
import { text } from "./text.ts";

/** Default cap on variations per run; deployments change it with RUN_MAX_VARIATIONS. */
export const RUN_MAX_VARIATIONS_DEFAULT = 10;
/** Never more than this, whatever the configuration says: each variation is a pod. */
export const RUN_MAX_VARIATIONS_LIMIT = 50;
/** RUN_MAX_VARIATIONS as the orchestrator and the agent-launcher both read it (they enforce the same cap). */
export const RunMaxVariationsSetting = z.coerce
  .number()
  .int()
  .min(1, "at least 1")
  .max(RUN_MAX_VARIATIONS_LIMIT, `at most ${RUN_MAX_VARIATIONS_LIMIT}`)
  .default(RUN_MAX_VARIATIONS_DEFAULT);
export const RUN_PROMPT_MAX_CHARS = 8000;
export const RUN_CHECK_COMMAND_MAX_CHARS = 2000;

/**
 * The command that verifies a run's variations instead of the detected checks (`sh -c` in each
 * variation's workspace, like the repository's own test scripts: no more trust than those).
 */
export const CheckCommand = z
  .string({ message: "expected a string" })
  .trim()
  .min(1, "must not be empty")
  .max(RUN_CHECK_COMMAND_MAX_CHARS, `at most ${RUN_CHECK_COMMAND_MAX_CHARS} characters`)
  .regex(/^[^\n\r\0]*$/, "one line: no line breaks or NUL characters");

// ---------------------------------------------------------------------------------------------
// Statuses

export const RunStatus = z.enum(["queued", "running", "succeeded", "partially_failed", "failed", "cancelled"]);
export type RunStatus = z.infer<typeof RunStatus>;
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ["succeeded", "partially_failed", "failed", "cancelled"];

/** queued: not launched; scheduled: Job created / process spawned; running: container started. */
export const VariationStatus = z.enum(["queued", "scheduled", "running", "succeeded", "failed", "cancelled"]);
export type VariationStatus = z.infer<typeof VariationStatus>;
export const TERMINAL_VARIATION_STATUSES: readonly VariationStatus[] = ["succeeded", "failed", "cancelled"];

/**
 * A run's final status from its variations': `succeeded` only when every variation succeeded.
 * Cancellation is decided by the caller (a cancelled run is cancelled whatever finished before).
 */
export function finalRunStatus(variations: readonly VariationStatus[]): "succeeded" | "partially_failed" | "failed" {
  const succeeded = variations.filter((s) => s === "succeeded").length;
  if (variations.length > 0 && succeeded === variations.length) return "succeeded";
  return succeeded > 0 ? "partially_failed" : "failed";
}

// ---------------------------------------------------------------------------------------------
// API bodies

/** Model names travel into Job env and logs: a conservative alphabet keeps them inert. */
export const AgentModelName = z
  .string()
  .min(1, "must not be empty")
  .max(100, "at most 100 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, "letters, digits and . _ : / - only");

export const Temperature = z.number({ message: "expected a number" }).min(0, "at least 0").max(2, "at most 2");

export const VariationSettings = z.strictObject({ model: AgentModelName.optional(), temperature: Temperature.optional() });
export type VariationSettings = z.infer<typeof VariationSettings>;

/** `variations` is a count (settings from the top-level model/temperature) or one settings object per variation. */
export function createRunSchema(maxVariations: number = RUN_MAX_VARIATIONS_DEFAULT) {
  const max = Math.min(maxVariations, RUN_MAX_VARIATIONS_LIMIT);
  return z.strictObject({
    repo_url: text({ max: REPO_URL_MAX_CHARS }),
    prompt: text({ max: RUN_PROMPT_MAX_CHARS }),
    variations: z
      .union(
        [
          z.number().int("expected a whole number").min(1, "at least 1").max(max, `at most ${max} on this deployment`),
          z.array(VariationSettings).min(1, "at least one variation").max(max, `at most ${max} variations on this deployment`),
        ],
        { message: `expected a number from 1 to ${max} or an array of {model?, temperature?}` },
      )
      .default(1),
    model: AgentModelName.optional(),
    temperature: Temperature.optional(),
    /** Verify with this command (`sh -c`, e.g. `npm test -- --run`) instead of the checks detected from the repository. */
    check_command: CheckCommand.optional(),
  });
}

export const CreateRun = createRunSchema().meta({ id: "CreateRun" });
export type CreateRun = z.infer<typeof CreateRun>;

/**
 * Each variation's model and temperature. Without explicit temperatures the variations are spread
 * over 0.2..1.0, so N variations explore N different points instead of repeating one.
 */
export function resolveVariations(body: Pick<CreateRun, "variations" | "model" | "temperature">) {
  const count = typeof body.variations === "number" ? body.variations : body.variations.length;
  const spread = (i: number) => (count === 1 ? 0.7 : Math.round((0.2 + (0.8 * i) / (count - 1)) * 100) / 100);
  return Array.from({ length: count }, (_, index) => {
    const own = typeof body.variations === "number" ? {} : (body.variations[index] ?? {});
    return {
      index,
      model: own.model ?? body.model ?? null,
      temperature: own.temperature ?? body.temperature ?? spread(index),
    };
  });
}

export const SelectWinner = z
  .strictObject({
    variation: z.number({ message: "expected a whole number" }).int("expected a whole number").min(0, "at least 0"),
    /** Also commit the variation's patch on a new branch and push it to the run's repository. */
    push: z
      .strictObject({
        /** The new branch; refused (409) when it already exists on the remote. */
        branch: BranchName,
      })
      .optional(),
  })
  .meta({ id: "SelectWinner" });
export type SelectWinner = z.infer<typeof SelectWinner>;

/** One phase of a variation's verification as the agent reported it (with each check's output tail). */
export const VerificationPhaseResult = z
  .object({
    checks: z.array(CheckResult),
    duration_ms: z.number(),
    /** Why no checks ran (none found, verification off); null when they did. */
    skipped: z.string().nullable(),
  })
  .meta({ id: "VerificationPhaseResult" });
export type VerificationPhaseResult = z.infer<typeof VerificationPhaseResult>;

export const VariationVerification = z
  .object({
    /** The checks on the unmodified checkout. */
    baseline: VerificationPhaseResult.nullable(),
    /** The checks with the variation's patch applied. */
    patched: VerificationPhaseResult.nullable(),
    /** The comparison, score and patch size from the agent's result; null until it reported one. */
    summary: VerificationSummary.nullable(),
  })
  .meta({ id: "VariationVerification" });
export type VariationVerification = z.infer<typeof VariationVerification>;

export const Variation = z
  .object({
    index: z.number().int(),
    status: VariationStatus,
    model: z.string().nullable(),
    temperature: z.number().nullable(),
    /** Kubernetes Job name, or `local:<pid>` for the local backend. */
    job: z.string().nullable(),
    exit_code: z.number().int().nullable(),
    /** Why it failed or was cancelled, in words a user can act on. */
    reason: z.string().nullable(),
    started_at: Timestamp.nullable(),
    finished_at: Timestamp.nullable(),
    usage: Usage,
    /** Output lines stored so far (the full log: GET /v1/runs/{id}/variations/{index}/log). */
    lines: z.number().int(),
    /** The agent's one-paragraph result. */
    summary: z.string().nullable(),
    /** The proposed change as a unified diff; left out of list responses. */
    diff: z.string().nullable().optional(),
    /** The verification's outcome relative to the baseline; null: not verified (no result, or verification off). */
    outcome: VerificationOutcome.nullable(),
    /** 0-100 from the verification, the patch and the agent's confidence (docs/agent-runs.md); null: not verified. */
    score: z.number().int().nullable(),
    /** The repository's checks without and with the patch, and the comparison; left out of list responses. */
    verification: VariationVerification.nullable().optional(),
  })
  .meta({ id: "Variation" });
export type Variation = z.infer<typeof Variation>;

export const Run = z
  .object({
    id: Uuid,
    repo_url: z.string(),
    prompt: z.string(),
    /** The command that verifies the variations; null: detected from the repository (or the deployment's AGENT_CHECK_COMMAND). */
    check_command: z.string().nullable(),
    status: RunStatus,
    variations: z.array(Variation),
    /** Index of the variation the user picked. */
    winner: z.number().int().nullable(),
    /** The variation the verification suggests, and why in words; null when none is worth suggesting. The user decides. */
    suggested_winner: z.object({ variation: z.number().int(), reason: z.string() }).nullable(),
    /** The branch the winner was pushed to; null until a push succeeded. */
    branch: z.string().nullable(),
    /** The latest push of the winner (queued, pushing, pushed or failed); null when none was asked for. */
    ship: RunShip.nullable(),
    /** Set once cancel was asked for; the run reaches `cancelled` when its workloads are gone. */
    cancel_requested_at: Timestamp.nullable(),
    created_at: Timestamp,
    updated_at: Timestamp,
    started_at: Timestamp.nullable(),
    finished_at: Timestamp.nullable(),
  })
  .meta({ id: "Run" });
export type Run = z.infer<typeof Run>;

export const RunListQuery = z.object({ status: RunStatus.optional() });

export const VariationLogLine = z
  .object({
    seq: z.number().int(),
    ts: Timestamp,
    kind: z.string(),
    line: z.string(),
  })
  .meta({ id: "VariationLogLine" });
export type VariationLogLine = z.infer<typeof VariationLogLine>;

export const VariationLogQuery = z.object({
  /** The seq to continue after (the previous page's next_cursor). */
  cursor: z
    .string()
    .regex(/^\d{1,9}$/, "expected a line number")
    .optional(),
  limit: z.coerce
    .number({ message: "expected a whole number" })
    .int("expected a whole number")
    .min(1, "at least 1")
    .max(5000, "at most 5000")
    .default(1000),
});
