import type { LlmCallRecord } from "@threads-agent/contracts";
import type { Completion } from "./types.ts";

/** The contract's record of one model call, as stored in llm_calls and sent in generate frames. */
export function toCallRecord(step: string, completion: Completion): LlmCallRecord {
  return {
    step,
    provider: completion.provider,
    model: completion.model,
    tokens_in: completion.usage.inputTokens,
    tokens_out: completion.usage.outputTokens,
    cost_usd: completion.costUsd,
    latency_ms: completion.latencyMs,
    reason: completion.reason,
  };
}
