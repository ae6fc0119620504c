import { Annotation, END, type LangGraphRunnableConfig, START, StateGraph } from "@langchain/langgraph";
import { type Context, context as otelContext, SpanStatusCode, trace } from "@opentelemetry/api";
import type { GenerateFrame, LlmCallRecord, PersonaSpec, Step, TaskType } from "@threads-agent/contracts";
import { type Completion, type LlmRouter, toCallRecord } from "@threads-agent/llm";
import type { Metrics } from "@threads-agent/observability";
import { createGuardrail } from "./guardrail.ts";
import { cleanBody, cleanHook, formatPost } from "./post-format.ts";
import { fillTemplate, systemPromptFor } from "./prompts.ts";

/** The graph's state: what the request brought, and what each step adds. */
export const PersonaState = Annotation.Root({
  taskId: Annotation<string>(),
  persona: Annotation<PersonaSpec>(),
  taskType: Annotation<TaskType>(),
  input: Annotation<string>(),
  // Not "hook"/"body": LangGraph channel names must differ from node names.
  hookText: Annotation<string>(),
  bodyText: Annotation<string>(),
  text: Annotation<string>(),
  /** Guardrail verdict; null while the post may go out. */
  blocked: Annotation<string | null>(),
  /** Every model call, in order, for the caller's usage and cost records. */
  calls: Annotation<LlmCallRecord[]>({ reducer: (all, added) => all.concat(added), default: () => [] }),
});
export type PersonaStateValue = typeof PersonaState.State;
type StateUpdate = typeof PersonaState.Update;

/** Per-request values the nodes read from the run's configurable. */
export type RunContext = { traceContext: Context; signal: AbortSignal };

export type PersonaGraphOptions = {
  llm: LlmRouter;
  hookModel: string;
  bodyModel: string;
  blocklist: RegExp;
  llmTimeoutMs: number;
  metrics: {
    stepLatency: ReturnType<Metrics["histogram"]>;
    tokens: ReturnType<Metrics["counter"]>;
  };
};

// Token budgets: a hook is one line; a body is 2-4 sentences that must fit in a 500-character post.
const HOOK_MAX_TOKENS = 60;
const BODY_MAX_TOKENS = 220;

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

export function buildPersonaGraph(options: PersonaGraphOptions) {
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

  /** One model call of a step, streamed as `step.delta` frames and counted per model. */
  const write = async (
    stepName: "hook" | "body",
    state: PersonaStateValue,
    emit: (frame: GenerateFrame) => void,
    run: RunContext,
    request: { model: string; prompt: string; maxTokens: number; temperature: number },
  ): Promise<Completion> => {
    const completion = await options.llm.complete({
      ...request,
      system: systemPromptFor(state.persona),
      signal: run.signal,
      timeoutMs: options.llmTimeoutMs,
      onDelta: (text) => emit({ type: "step.delta", step: stepName, text }),
      purpose: {
        step: stepName,
        persona: { id: state.persona.id, name: state.persona.name, temperament: state.persona.temperament },
        input: state.input,
        taskType: state.taskType,
        ...(stepName === "body" ? { hook: state.hookText } : {}),
      },
    });
    const span = trace.getActiveSpan();
    span?.setAttributes({
      "gen_ai.request.model": request.model,
      "gen_ai.response.model": completion.model,
      "gen_ai.usage.input_tokens": completion.usage.inputTokens,
      "gen_ai.usage.output_tokens": completion.usage.outputTokens,
    });
    options.metrics.tokens.inc({ model: completion.model }, completion.usage.inputTokens + completion.usage.outputTokens);
    return completion;
  };

  const tokensOf = (completion: Completion) => completion.usage.inputTokens + completion.usage.outputTokens;

  return new StateGraph(PersonaState)
    .addNode(
      "ingest",
      step("ingest", async (state) => ({ update: { input: normalizeInput(state.input), blocked: null }, tokens: 0 })),
    )
    .addNode(
      "hook",
      step("hook", async (state, emit, run) => {
        const completion = await write("hook", state, emit, run, {
          model: state.persona.hook_model ?? options.hookModel,
          prompt: fillTemplate(state.persona.hook_prompt, { input: state.input }),
          maxTokens: HOOK_MAX_TOKENS,
          temperature: 0.9,
        });
        const hook = cleanHook(completion.text, state.persona.emoji);
        if (!hook) throw new EmptyOutput("hook", completion.model);
        return { update: { hookText: hook, calls: [toCallRecord("hook", completion)] }, tokens: tokensOf(completion) };
      }),
    )
    .addNode(
      "body",
      step("body", async (state, emit, run) => {
        const completion = await write("body", state, emit, run, {
          model: state.persona.body_model ?? options.bodyModel,
          prompt: fillTemplate(state.persona.body_prompt, { input: state.input, hook: state.hookText }),
          maxTokens: BODY_MAX_TOKENS,
          temperature: 0.7,
        });
        const body = cleanBody(completion.text, state.hookText);
        if (!body) throw new EmptyOutput("body", completion.model);
        return { update: { bodyText: body, calls: [toCallRecord("body", completion)] }, tokens: tokensOf(completion) };
      }),
    )
    .addNode(
      "guardrail",
      step("guardrail", async (state) => ({
        update: { blocked: guard({ input: state.input, hook: state.hookText, body: state.bodyText }) },
        tokens: 0,
      })),
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
    .addEdge("hook", "body")
    .addEdge("body", "guardrail")
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
