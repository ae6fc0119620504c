import { Annotation, END, type LangGraphRunnableConfig, START, StateGraph } from "@langchain/langgraph";
import { type Context, context as otelContext, SpanStatusCode, trace } from "@opentelemetry/api";
import type { GenerateFrame, HookArm, LlmCallRecord, PersonaSpec, Step, TaskType } from "@threads-agent/contracts";
import { type AttemptReport, type Completion, LlmError, type LlmRouter, type Moderator, toCallRecord } from "@threads-agent/llm";
import type { Logger, Metrics } from "@threads-agent/observability";
import { createGuardrail, moderationVerdict } from "./guardrail.ts";
import { choiceSeed, chooseHookStyle } from "./hook-choice.ts";
import { useLeanRunnableContext } from "./langchain-context.ts";
import type { ModelChoice, WritingStep } from "./model-choice.ts";
import { cleanBody, cleanHook, formatPost } from "./post-format.ts";
import { angleLine, fillTemplate, hookPromptFor, systemPromptFor } from "./prompts.ts";

/** The graph's state: what the request brought, and what each step adds. */
export const PersonaState = Annotation.Root({
  taskId: Annotation<string>(),
  persona: Annotation<PersonaSpec>(),
  taskType: Annotation<TaskType>(),
  input: Annotation<string>(),
  /** The hook style asked for (GenerateRequest.hook_style); null: no particular style. */
  hookStyle: Annotation<string | null>({ reducer: (_old, next) => next, default: () => null }),
  /** The persona's styles with their posteriors (GenerateRequest.hook_styles): the hook step draws one when none is asked for. */
  hookArms: Annotation<HookArm[]>({ reducer: (_old, next) => next, default: () => [] }),
  /** A persona style's instruction, for the style line. */
  hookInstruction: Annotation<string | null>({ reducer: (_old, next) => next, default: () => null }),
  /** Redraft number (GenerateRequest.angle) and the post it must differ from. */
  angle: Annotation<number>({ reducer: (_old, next) => next, default: () => 0 }),
  avoid: Annotation<string | null>({ reducer: (_old, next) => next, default: () => null }),
  // Not "hook"/"body": LangGraph channel names must differ from node names.
  hookText: Annotation<string>(),
  bodyText: Annotation<string>(),
  text: Annotation<string>(),
  /** Guardrail verdict (or a model's refusal); null while the post may go out. */
  blocked: Annotation<string | null>(),
  /** Every model call, in order, for the caller's usage and cost records. */
  calls: Annotation<LlmCallRecord[]>({ reducer: (all, added) => all.concat(added), default: () => [] }),
});
export type PersonaStateValue = typeof PersonaState.State;
type StateUpdate = typeof PersonaState.Update;

/** Per-request values the nodes read from the run's configurable. */
export type RunContext = {
  traceContext: Context;
  signal: AbortSignal;
  /**
   * Every call made so far, also kept outside the graph state: when a step fails, the state is
   * lost but the calls before it were billed and must still be reported.
   */
  calls: LlmCallRecord[];
  /** The request's logger (task and persona ids bound). */
  log?: Logger;
};

export type PersonaGraphOptions = {
  llm: LlmRouter;
  models: ModelChoice;
  /** OpenAI moderation; null when there is no OpenAI key (the regex guard still runs). */
  moderator?: Moderator | null;
  blocklist: RegExp;
  llmTimeoutMs: number;
  metrics: {
    stepLatency: ReturnType<Metrics["histogram"]>;
    tokens: ReturnType<Metrics["counter"]>;
  };
};

// Token budgets: a hook is one line; a body is 2-4 sentences that must fit in a 500-character post.
export const HOOK_MAX_TOKENS = 60;
export const BODY_MAX_TOKENS = 220;

/** Collapses whitespace and drops control characters, so prompts and guardrail see clean text. */
export function normalizeInput(input: string): string {
  return input
    .normalize("NFC")
    .replace(/[\p{Cc}\p{Cf}]+/gu, (chars) => (/[\n\t\r]/.test(chars) ? " " : ""))
    .replace(/\s+/g, " ")
    .trim();
}

type StepWork = (
  state: PersonaStateValue,
  emit: (frame: GenerateFrame) => void,
  run: RunContext,
) => Promise<{ update: StateUpdate; tokens: number }>;

/** Logs each failed attempt of a model call with the request's ids (the model call's span has it as an event). */
function logAttempt(run: RunContext, report: AttemptReport): void {
  if (report.outcome === "ok") return;
  const next = { retry: "retrying", fallback: "handing over to the fallback model", fail: "giving up" }[report.next ?? "fail"];
  run.log?.warn(
    {
      step: report.step,
      provider: report.provider,
      model: report.model,
      attempt: report.attempt,
      outcome: report.outcome,
      status: report.status,
      retry_in_ms: report.retryInMs,
      err_message: report.message,
    },
    `model call failed (${report.outcome}); ${next}`,
  );
}

export function buildPersonaGraph(options: PersonaGraphOptions) {
  // No LangSmith RunTree per node call when nothing traces (langchain-context.ts).
  useLeanRunnableContext();
  const tracer = trace.getTracer("persona-runtime");
  const guard = createGuardrail(options.blocklist);

  /**
   * Wraps a node: `step.started` before it, `step.completed {ms, tokens}` after, a span and the
   * latency histogram around it. Frames go out through LangGraph's custom stream as they happen.
   */
  const step =
    (name: Step, work: StepWork) =>
    async (state: PersonaStateValue, config: LangGraphRunnableConfig): Promise<StateUpdate> => {
      const run = config.configurable as RunContext;
      const emit = (frame: GenerateFrame) => config.writer?.(frame);
      const span = tracer.startSpan(
        `persona.${name}`,
        { attributes: { "persona.id": state.persona.id, "task.id": state.taskId } },
        run.traceContext,
      );
      emit({ type: "step.started", step: name });
      const started = performance.now();
      try {
        const { update, tokens } = await otelContext.with(trace.setSpan(run.traceContext, span), () => work(state, emit, run));
        const ms = Math.round((performance.now() - started) * 10) / 10;
        options.metrics.stepLatency.observe({ phase: name }, ms / 1000);
        span.setAttribute("tokens", tokens);
        emit({ type: "step.completed", step: name, ms, tokens });
        return update;
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
        throw err;
      } finally {
        span.end();
      }
    };

  const record = (run: RunContext, call: LlmCallRecord): LlmCallRecord => {
    run.calls.push(call);
    return call;
  };

  /** One model call of a step, streamed as `step.delta` frames and counted per model. */
  const write = async (
    stepName: WritingStep,
    state: PersonaStateValue,
    emit: (frame: GenerateFrame) => void,
    run: RunContext,
    request: { prompt: string; maxTokens: number; temperature: number },
  ): Promise<Completion> => {
    const choice = options.models.forStep(stepName, stepName === "hook" ? state.persona.hook_model : state.persona.body_model);
    const completion = await options.llm.complete({
      ...request,
      model: choice.model,
      fallbackModel: choice.fallback,
      system: systemPromptFor(state.persona),
      signal: run.signal,
      timeoutMs: options.llmTimeoutMs,
      onDelta: (text) => emit({ type: "step.delta", step: stepName, text }),
      // The text streamed so far is void: tell the client to start this step's text again.
      onRestart: ({ reason }) => emit({ type: "step.started", step: stepName, reason }),
      onAttempt: (report) => logAttempt(run, report),
      purpose: {
        step: stepName,
        persona: { id: state.persona.id, name: state.persona.name, temperament: state.persona.temperament },
        input: state.input,
        taskType: state.taskType,
        ...(stepName === "body" ? { hook: state.hookText } : {}),
        ...(stepName === "hook" && state.hookStyle ? { hookStyle: state.hookStyle } : {}),
        ...(state.angle ? { angle: state.angle } : {}),
      },
    });
    // The call itself is a gen_ai span of its own (packages/llm); the step says which model wrote it.
    trace.getActiveSpan()?.setAttributes({ "persona.step.model": completion.model, "persona.step.model_reason": completion.reason });
    options.metrics.tokens.inc({ model: completion.model }, completion.usage.inputTokens + completion.usage.outputTokens);
    return completion;
  };

  const tokensOf = (completion: Completion) => completion.usage.inputTokens + completion.usage.outputTokens;

  /** A model's own safety stop ends the post as blocked: a final answer, not worth retrying. */
  const refused = (completion: Completion, stepName: WritingStep) =>
    completion.finishReason === "content_filter" ? `blocked: ${completion.model} refused to write the ${stepName} (content filter)` : null;

  /** OpenAI moderation of what would be published; throws when it cannot be had (nothing goes out unchecked). */
  const moderate = async (state: PersonaStateValue, run: RunContext): Promise<{ blocked: string | null; call: LlmCallRecord }> => {
    const moderator = options.moderator as Moderator;
    let result: Awaited<ReturnType<Moderator["moderate"]>>;
    try {
      result = await moderator.moderate([state.hookText, state.bodyText], {
        signal: run.signal,
        timeoutMs: options.llmTimeoutMs,
        onAttempt: (report) => logAttempt(run, report),
      });
    } catch (err) {
      if (!(err instanceof LlmError) || err.code === "aborted") throw err;
      throw new LlmError(err.code, `moderation (${moderator.model}) could not check the post, so it was not published: ${err.message}`, {
        ...(err.provider ? { provider: err.provider } : {}),
        model: moderator.model,
        retryable: err.retryable,
        ...(err.status !== undefined ? { status: err.status } : {}),
      });
    }
    const call: LlmCallRecord = {
      step: "guardrail",
      provider: result.provider,
      model: result.model,
      tokens_in: 0,
      tokens_out: 0,
      cost_usd: result.costUsd,
      latency_ms: result.latencyMs,
      reason: result.reason,
    };
    trace.getActiveSpan()?.setAttributes({ "moderation.model": result.model, "moderation.flagged": result.results.some((r) => r.flagged) });
    return { blocked: moderationVerdict({ hook: result.results[0], body: result.results[1] }), call };
  };

  return new StateGraph(PersonaState)
    .addNode(
      "ingest",
      step("ingest", async (state) => ({ update: { input: normalizeInput(state.input), blocked: null }, tokens: 0 })),
    )
    .addNode(
      "hook",
      step("hook", async (state, emit, run) => {
        // No style asked for: Thompson sampling over the persona's styles picks one (seeded by the task).
        const choice = state.hookStyle ? null : chooseHookStyle(state.hookArms, choiceSeed(state.taskId, state.angle));
        if (choice) {
          state = { ...state, hookStyle: choice.id, hookInstruction: choice.instruction ?? null };
          trace.getActiveSpan()?.setAttribute("persona.hook_style", choice.id);
        }
        const chosen = choice ? { hookStyle: choice.id, hookInstruction: choice.instruction ?? null } : {};
        const completion = await write("hook", state, emit, run, {
          prompt: hookPromptFor(state.persona, state.input, state.hookStyle, {
            ...(state.hookInstruction ? { instruction: state.hookInstruction } : {}),
            angle: state.angle,
            ...(state.avoid ? { avoid: state.avoid } : {}),
          }),
          maxTokens: HOOK_MAX_TOKENS,
          temperature: 0.9,
        });
        const call = record(run, toCallRecord("hook", completion));
        const blocked = refused(completion, "hook");
        if (blocked) return { update: { blocked, calls: [call], ...chosen }, tokens: tokensOf(completion) };
        const hook = cleanHook(completion.text, state.persona.emoji);
        if (!hook) throw new EmptyOutput("hook", completion.model);
        return { update: { hookText: hook, calls: [call], ...chosen }, tokens: tokensOf(completion) };
      }),
    )
    .addNode(
      "body",
      step("body", async (state, emit, run) => {
        const completion = await write("body", state, emit, run, {
          prompt: [
            fillTemplate(state.persona.body_prompt, { input: state.input, hook: state.hookText }),
            ...(state.angle ? [angleLine(state.avoid ?? undefined)] : []),
          ].join("\n\n"),
          maxTokens: BODY_MAX_TOKENS,
          temperature: 0.7,
        });
        const call = record(run, toCallRecord("body", completion));
        const blocked = refused(completion, "body");
        if (blocked) return { update: { blocked, calls: [call] }, tokens: tokensOf(completion) };
        const body = cleanBody(completion.text, state.hookText);
        if (!body) throw new EmptyOutput("body", completion.model);
        return { update: { bodyText: body, calls: [call] }, tokens: tokensOf(completion) };
      }),
    )
    .addNode(
      "guardrail",
      step("guardrail", async (state, _emit, run) => {
        // The regex guard always runs, first: it is free, and its verdict names the matched term.
        const matched = guard({ input: state.input, hook: state.hookText, body: state.bodyText });
        if (matched || !options.moderator) return { update: { blocked: matched }, tokens: 0 };
        const { blocked, call } = await moderate(state, run);
        return { update: { blocked, calls: [record(run, call)] }, tokens: 0 };
      }),
    )
    .addNode(
      "format",
      step("format", async (state) => {
        const post = formatPost({ emoji: state.persona.emoji, hook: state.hookText, body: state.bodyText });
        return { update: { text: post.text, bodyText: post.body }, tokens: 0 };
      }),
    )
    .addEdge(START, "ingest")
    .addEdge("ingest", "hook")
    .addConditionalEdges("hook", (state) => (state.blocked ? END : "body"), ["body", END])
    .addConditionalEdges("body", (state) => (state.blocked ? END : "guardrail"), ["guardrail", END])
    .addConditionalEdges("guardrail", (state) => (state.blocked ? END : "format"), ["format", END])
    .addEdge("format", END)
    .compile();
}

export type PersonaGraph = ReturnType<typeof buildPersonaGraph>;

/** A model answered with nothing usable; another attempt may do better. */
export class EmptyOutput extends Error {
  readonly step: string;
  constructor(step: string, model: string) {
    super(`${model} returned an empty ${step}`);
    this.name = "EmptyOutput";
    this.step = step;
  }
}
