import { z } from "zod";
import { Step } from "./events.ts";
import { HookStyleId } from "./hook-styles.ts";
import { Uuid } from "./ids.ts";
import { PersonaSpec } from "./personas.ts";
import { TaskType } from "./tasks.ts";
import { storableText, text } from "./text.ts";

/** A hook style as the hook step sees it: its instruction and the persona's posterior of its engagement. */
export const HookArm = z.object({
  id: HookStyleId,
  /** For a persona's own style (seeded ones have theirs in HOOK_STYLES). */
  instruction: z.string().max(500).optional(),
  alpha: z.number().positive(),
  beta: z.number().positive(),
});
export type HookArm = z.infer<typeof HookArm>;

/** POST /v1/generate on persona-runtime; the response is NDJSON, one GenerateFrame per line. */
// The persona as the worker sends it: its free text refused when it has NUL or lone surrogates, like every request's text.
const RequestText = () => storableText(z.string());
const GeneratePersona = PersonaSpec.extend({
  name: RequestText(),
  emoji: RequestText(),
  description: RequestText(),
  hook_prompt: RequestText(),
  body_prompt: RequestText(),
  hook_model: RequestText().nullable(),
  body_model: RequestText().nullable(),
});

export const GenerateRequest = z.object({
  task_id: Uuid,
  persona: GeneratePersona,
  input: storableText(z.string().min(1).max(10_000)),
  task_type: TaskType.default("trend"),
  /**
   * The hook style to write (a seeded id such as `question`, or a persona-defined one); absent:
   * no particular style. The hook prompt gets a `Style:` line for it (see packages/llm README).
   */
  hook_style: HookStyleId.optional(),
  /**
   * The persona's hook styles with their Beta posteriors: without `hook_style`, the hook step picks
   * one by Thompson sampling (a draw from each posterior, the highest wins; the generator is seeded
   * by the task id and `angle`, so a retry picks the same).
   */
  hook_styles: z.array(HookArm).max(50).optional(),
  /**
   * 0 for the first draft; 1 when the last one was a near-duplicate of a recent post: write from
   * a different angle (the offline writer picks other templates, models are told to).
   */
  angle: z.number().int().min(0).max(5).optional(),
  /** With `angle`: the recent post the draft was too close to, so a model can steer away from it. */
  avoid: z.string().max(2_000).optional(),
});
export type GenerateRequest = z.infer<typeof GenerateRequest>;

export const LlmCallRecord = z.object({
  step: z.string(),
  provider: z.string(),
  model: z.string(),
  tokens_in: z.number().int(),
  tokens_out: z.number().int(),
  cost_usd: z.number(),
  latency_ms: z.number(),
  /** Why this model served the call: "primary", "fallback: <cause>", ... */
  reason: z.string(),
});
export type LlmCallRecord = z.infer<typeof LlmCallRecord>;

export const GenerateFrame = z.discriminatedUnion("type", [
  /**
   * A step began. Sent again for the same step, with `reason`, when the text it streamed so far is
   * void (the model's stream broke and a retry or the fallback model starts over): discard it.
   */
  z.object({ type: z.literal("step.started"), step: Step, reason: z.string().optional() }),
  z.object({ type: z.literal("step.delta"), step: Step, text: z.string() }),
  z.object({ type: z.literal("step.completed"), step: Step, ms: z.number(), tokens: z.number().int() }),
  z.object({
    type: z.literal("result"),
    hook: z.string(),
    body: z.string(),
    text: z.string(),
    /** The hook style written (asked for, or drawn from `hook_styles`); null: none. */
    hook_style: HookStyleId.nullable().optional(),
    calls: z.array(LlmCallRecord),
  }),
  z.object({ type: z.literal("blocked"), reason: z.string(), calls: z.array(LlmCallRecord) }),
  /**
   * `retryable` false means retrying cannot help (bad request, rejected key). `calls` are the model
   * calls made (and billed) before the failure, so their cost is accounted too.
   */
  z.object({
    type: z.literal("error"),
    code: z.string(),
    message: z.string(),
    retryable: z.boolean(),
    calls: z.array(LlmCallRecord).optional(),
  }),
]);
export type GenerateFrame = z.infer<typeof GenerateFrame>;

/** persona-runtime's POST /v1/guardrail: the pipeline's guardrail on one text (a reviewer's edit). */
export const GuardrailCheck = z.strictObject({ text: text({ max: 10_000 }) }).meta({ id: "GuardrailCheck" });
export type GuardrailCheck = z.infer<typeof GuardrailCheck>;

/** `blocked` names why, in the pipeline's own words ("blocked: body matches \"kill\""). */
export const GuardrailVerdict = z.object({ allowed: z.boolean(), reason: z.string().nullable() }).meta({ id: "GuardrailVerdict" });
export type GuardrailVerdict = z.infer<typeof GuardrailVerdict>;
