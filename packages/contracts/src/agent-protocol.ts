// The agent's stdout protocol: one JSON object per line. Anything else on stdout/stderr is kept
// as raw output, so a crash's stack trace still reaches the user.
import { z } from "zod";
import { CheckResult, VerificationPhase, VerificationSummary } from "./agent-verification.ts";
import { Timestamp, VariationIndex } from "./ids.ts";
import { LlmCallRecord } from "./persona-runtime.ts";
import { Usage } from "./tasks.ts";

const agentEventBase = { variation: VariationIndex, seq: z.number().int().min(0), ts: Timestamp };

export const AgentEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("log"), ...agentEventBase, line: z.string() }),
  z.object({ type: z.literal("thought"), ...agentEventBase, line: z.string() }),
  z.object({
    type: z.literal("result"),
    ...agentEventBase,
    summary: z.string(),
    diff: z.string(),
    model: z.string(),
    usage: Usage,
    calls: z.array(LlmCallRecord).default([]),
    /** The agent's own confidence in its change, 0-1 (absent from agents older than verification). */
    confidence: z.number().min(0).max(1).nullable().optional(),
    /** The change verified against the baseline and scored (absent when verification was switched off). */
    verification: VerificationSummary.optional(),
  }),
  z.object({ type: z.literal("error"), ...agentEventBase, code: z.string(), message: z.string() }),
  /**
   * The repository's checks, run on the unmodified checkout (`baseline`, before the agent works)
   * or with the proposed patch applied (`patched`, just before `result`). `checks` is empty when
   * none were detected; `skipped` then says why.
   */
  z.object({
    type: z.literal("verification"),
    ...agentEventBase,
    phase: VerificationPhase,
    checks: z.array(CheckResult),
    duration_ms: z.number().min(0),
    skipped: z.string().nullable(),
  }),
  /** Ship mode: the patch was committed and pushed as a new branch (the last event of a ship run). */
  z.object({
    type: z.literal("shipped"),
    ...agentEventBase,
    branch: z.string(),
    commit: z.string(),
    /** The remote, without credentials. */
    repo_url: z.string(),
    base: z.string(),
  }),
]);
export type AgentEvent = z.infer<typeof AgentEvent>;

/** The agent's exit codes; anything else non-zero is a crash. */
export const AGENT_EXIT = { ok: 0, failed: 1, badInput: 2 } as const;
