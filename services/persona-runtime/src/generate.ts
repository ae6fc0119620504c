import type { Context } from "@opentelemetry/api";
import type { GenerateFrame, GenerateRequest, LlmCallRecord } from "@threads-agent/contracts";
import { isLlmError } from "@threads-agent/llm";
import type { Logger } from "@threads-agent/observability";
import { EmptyOutput, type PersonaGraph, type PersonaStateValue, type RunContext } from "./persona-graph.ts";

export type ErrorFrame = Extract<GenerateFrame, { type: "error" }>;

/**
 * The error frame for a failure: stable code, a message safe to show (LlmError messages are
 * written for people and carry no secrets), whether a retry can help, and the calls already billed.
 */
export function errorFrame(err: unknown, calls: LlmCallRecord[] = []): ErrorFrame {
  const cause = findCause(err);
  const spent = calls.length ? { calls } : {};
  if (isLlmError(cause)) return { type: "error", code: `llm_${cause.code}`, message: cause.message, retryable: cause.retryable, ...spent };
  if (cause instanceof EmptyOutput) return { type: "error", code: "empty_output", message: cause.message, retryable: true, ...spent };
  // Unknown failures are most likely transient (a dependency hiccup); the caller's retry budget bounds the cost.
  return { type: "error", code: "internal", message: "persona-runtime failed while generating; see its logs", retryable: true, ...spent };
}

// LangGraph may wrap a node's error; the domain error is somewhere down the cause chain.
function findCause(err: unknown): unknown {
  for (let current = err, depth = 0; current && depth < 5; depth++) {
    if (isLlmError(current) || current instanceof EmptyOutput) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return err;
}

export type GenerateOutcome = { outcome: "result" | "blocked" | "error" | "aborted"; error?: unknown };

/**
 * Runs the persona graph and yields its frames as they happen: per-step progress, then exactly one
 * `result`, `blocked` or `error` (nothing once `signal` aborted: nobody is listening).
 */
export async function* generateFrames(
  graph: PersonaGraph,
  request: GenerateRequest,
  options: { signal: AbortSignal; traceContext: Context; log?: Logger; onDone?: (outcome: GenerateOutcome) => void },
): AsyncGenerator<GenerateFrame> {
  const run: RunContext = {
    signal: options.signal,
    traceContext: options.traceContext,
    calls: [],
    ...(options.log ? { log: options.log } : {}),
  };
  let final: PersonaStateValue | undefined;
  try {
    const stream = await graph.stream(
      {
        taskId: request.task_id,
        persona: request.persona,
        taskType: request.task_type,
        input: request.input,
        hookStyle: request.hook_style ?? null,
        hookArms: request.hook_styles ?? [],
        angle: request.angle ?? 0,
        avoid: request.avoid ?? null,
      },
      { streamMode: ["custom", "values"], signal: options.signal, configurable: run },
    );
    for await (const [mode, chunk] of stream) {
      if (mode === "custom") yield chunk as GenerateFrame;
      else final = chunk as PersonaStateValue;
    }
  } catch (err) {
    if (options.signal.aborted) {
      options.onDone?.({ outcome: "aborted" });
      return;
    }
    options.onDone?.({ outcome: "error", error: err });
    yield errorFrame(err, run.calls);
    return;
  }
  if (!final) {
    options.onDone?.({ outcome: "error" });
    yield errorFrame(new Error("graph produced no state"), run.calls);
  } else if (final.blocked) {
    options.onDone?.({ outcome: "blocked" });
    yield { type: "blocked", reason: final.blocked, calls: final.calls };
  } else {
    options.onDone?.({ outcome: "result" });
    yield { type: "result", hook: final.hookText, body: final.bodyText, text: final.text, hook_style: final.hookStyle, calls: final.calls };
  }
}
