// The with-keys mode: the model works in the checkout through tools (read, search, patch, run the
// checks) until it calls `finish`, bounded in steps, tokens and time. Every call goes through
// @threads-agent/llm's router (priced, retried, recorded with the variation as owner), and every
// tool call and its result is printed as it happens, so the browser shows the agent working.
import type { LlmCallRecord, Usage } from "@threads-agent/contracts";
import { type ConversationTurn, type LlmRouter, type ToolResult, toCallRecord } from "@threads-agent/llm";
import { AgentError } from "../agent-error.ts";
import type { Emitter } from "../emitter.ts";
import { describeToolCall, runTool, TOOLS, type ToolContext } from "./tools.ts";

/** The one thing the agent needs of the LLM layer; tests hand in a stand-in. */
export type AgentModel = Pick<LlmRouter, "complete">;

export type ToolLoopLimits = {
  /** Model turns. */
  maxSteps: number;
  /** Input plus output tokens over all turns. */
  maxTokens: number;
  /** Wall time of the whole loop. */
  timeMs: number;
};

export type ToolLoopResult = {
  summary: string;
  confidence: number | null;
  model: string;
  usage: Usage;
  calls: LlmCallRecord[];
  steps: number;
  /** Why the loop ended without `finish`, in words, or null when the model finished. */
  stopped: string | null;
};

export const SYSTEM = (maxSteps: number) =>
  [
    "You are a careful senior engineer making a change in an unfamiliar repository, through tools.",
    "Read what you need first (list_directory, read_file, search). Change files with apply_patch (a unified diff",
    "against the files as they are now) or write_file. Run run_check to see the repository's own checks on your",
    "change; fix what you broke. When done, call finish with a short summary and your confidence (0-1).",
    "Change as little as the request needs. Never touch secrets, CI credentials or lock files.",
    `You have at most ${maxSteps} turns; a turn may call several tools.`,
  ].join("\n");

/** Streams the model's text as thought lines, one per completed line; `end()` emits the rest. */
function lineStream(emit: Emitter) {
  let pending = "";
  const out: Promise<void>[] = [];
  return {
    push(text: string) {
      pending += text;
      for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
        const line = pending.slice(0, nl).trimEnd();
        pending = pending.slice(nl + 1);
        if (line.trim()) out.push(emit.thought(line));
      }
    },
    async end() {
      if (pending.trim()) out.push(emit.thought(pending.trimEnd()));
      pending = "";
      await Promise.all(out.splice(0));
    },
    reset() {
      pending = "";
    },
  };
}

export async function runToolLoop(options: {
  model: AgentModel;
  modelId: string;
  prompt: string;
  temperature: number;
  emit: Emitter;
  tools: ToolContext;
  limits: ToolLoopLimits;
  signal?: AbortSignal | undefined;
}): Promise<ToolLoopResult> {
  const { emit, limits } = options;
  const deadline = AbortSignal.timeout(limits.timeMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const conversation: ConversationTurn[] = [];
  const calls: LlmCallRecord[] = [];
  let served = options.modelId;
  let steps = 0;
  let tokens = 0;
  let finished: { summary: string; confidence: number | null } | null = null;
  let stopped: string | null = null;

  while (!finished) {
    if (deadline.aborted) {
      stopped = `the model did not finish within ${Math.round(limits.timeMs / 1000)} s (AGENT_TIME_LIMIT_SECONDS)`;
      break;
    }
    if (steps >= limits.maxSteps) {
      stopped = `the model did not finish within ${limits.maxSteps} steps (AGENT_MAX_STEPS)`;
      break;
    }
    if (tokens >= limits.maxTokens) {
      stopped = `the model used ${tokens} tokens, the budget is ${limits.maxTokens} (AGENT_MAX_TOKENS)`;
      break;
    }
    steps += 1;
    const thoughts = lineStream(emit);
    let completion: Awaited<ReturnType<AgentModel["complete"]>>;
    try {
      completion = await options.model.complete({
        model: options.modelId,
        system: SYSTEM(limits.maxSteps),
        prompt: options.prompt,
        conversation,
        tools: TOOLS,
        temperature: options.temperature,
        maxTokens: 4096,
        timeoutMs: 180_000,
        onDelta: (text) => thoughts.push(text),
        onRestart: ({ reason }) => {
          thoughts.reset();
          void emit.log(`(the model's answer restarted: ${reason})`);
        },
        signal,
        purpose: { step: "agent" },
      });
    } catch (err) {
      await thoughts.end();
      if (deadline.aborted && !options.signal?.aborted) {
        stopped = `the model did not finish within ${Math.round(limits.timeMs / 1000)} s (AGENT_TIME_LIMIT_SECONDS)`;
        break;
      }
      const code = (err as { code?: string }).code ?? "failed";
      throw new AgentError(`model_${code}`, `the model call failed: ${(err as Error).message}`);
    }
    await thoughts.end();
    const call = toCallRecord("agent", completion);
    calls.push(call);
    served = completion.model;
    tokens += call.tokens_in + call.tokens_out;
    conversation.push({ role: "assistant", text: completion.text, toolCalls: completion.toolCalls });

    if (completion.toolCalls.length === 0) {
      if (completion.finishReason === "content_filter")
        throw new AgentError("model_refused", `${completion.model} refused the request (content filter)`);
      await emit.log(`step ${steps}: no tool call`);
      conversation.push({ role: "user", text: "Continue with the tools. When the change is complete, call finish." });
      continue;
    }
    const results: ToolResult[] = [];
    for (const toolCall of completion.toolCalls) {
      await emit.log(describeToolCall(toolCall.name, toolCall.input));
      const outcome = toolCall.inputError
        ? { content: `error: ${toolCall.inputError}`, summary: `error: ${toolCall.inputError}`, isError: true }
        : await runTool(options.tools, toolCall.name, toolCall.input);
      await emit.log(`  → ${outcome.summary}`);
      results.push({ callId: toolCall.id, name: toolCall.name, content: outcome.content, ...(outcome.isError ? { isError: true } : {}) });
      if ("finish" in outcome && outcome.finish) finished = outcome.finish;
    }
    conversation.push({ role: "tool", results });
  }

  const usage = calls.reduce(
    (u, c) => ({ tokens_in: u.tokens_in + c.tokens_in, tokens_out: u.tokens_out + c.tokens_out, cost_usd: u.cost_usd + c.cost_usd }),
    { tokens_in: 0, tokens_out: 0, cost_usd: 0 },
  );
  usage.cost_usd = Math.round(usage.cost_usd * 1e6) / 1e6;
  return {
    summary: finished?.summary ?? `${stopped}; the change is what it had done by then`,
    confidence: finished ? finished.confidence : 0,
    model: served,
    usage,
    calls,
    steps,
    stopped,
  };
}
