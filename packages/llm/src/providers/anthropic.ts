import Anthropic from "@anthropic-ai/sdk";
import { LlmError } from "../errors.ts";
import { estimateConversationTokens, estimateTokens } from "../tokens.ts";
import type { FinishReason, LlmProvider, ProviderCompletion, ProviderRequest, ToolCall } from "../types.ts";
import { describeEndpoint, networkCause, scrubSecrets, toLlmError } from "./http-errors.ts";
import { type SdkLogger, sdkLogOptions } from "./sdk-logger.ts";
import { parseToolInput } from "./tool-input.ts";

export const ANTHROPIC_DEFAULT_BASE_URL = "https://api.anthropic.com";

export type AnthropicProviderOptions = {
  apiKey: string;
  /** API root without `/v1` (a proxy, a gateway, a test stand-in). */
  baseURL?: string | undefined;
  logger?: SdkLogger | undefined;
  fetch?: typeof fetch | undefined;
};

// The Messages API requires max_tokens; callers that set none get room for a long answer.
const DEFAULT_MAX_TOKENS = 4_096;

// Claude generations from 5 on reject `temperature` (they steer with effort levels instead).
const NO_TEMPERATURE = /^claude-(?:[a-z]+-)?(?:[5-9]|\d{2,})(?:[-.]|$)/;

export function anthropicAcceptsTemperature(model: string): boolean {
  return !NO_TEMPERATURE.test(model);
}

function anthropicFailure(err: unknown, model: string, options: AnthropicProviderOptions): unknown {
  if (err instanceof Anthropic.APIUserAbortError) return err;
  if (err instanceof LlmError) return err;
  if (err instanceof Anthropic.APIConnectionTimeoutError) {
    return new LlmError("timeout", `Anthropic did not answer in time for ${model}`, { provider: "anthropic", model });
  }
  if (err instanceof Anthropic.APIConnectionError) {
    return new LlmError(
      "provider_unavailable",
      `could not reach Anthropic at ${describeEndpoint(options.baseURL ?? ANTHROPIC_DEFAULT_BASE_URL)}: ${scrubSecrets(networkCause(err), [options.apiKey])}`,
      { provider: "anthropic", model },
    );
  }
  if (err instanceof Anthropic.APIError) {
    // An error event inside the stream (overloaded mid-answer) arrives with no HTTP status: its type says what happened.
    const body = err.error as { error?: { type?: string; message?: string } } | undefined;
    return toLlmError({
      provider: "anthropic",
      model,
      status: err.status,
      headers: err.headers,
      type: err.type ?? body?.error?.type,
      message: err.apiMessage ?? body?.error?.message ?? err.message,
      requestId: err.requestID,
      secrets: [options.apiKey],
    });
  }
  if ((err as { name?: string } | undefined)?.name === "AbortError") return err;
  // Anything else broke the response body mid-stream (connection reset, proxy timeout): transient.
  return new LlmError(
    "provider_unavailable",
    `the connection to Anthropic broke while streaming ${model}: ${scrubSecrets(networkCause(err), [options.apiKey])}`,
    {
      provider: "anthropic",
      model,
    },
  );
}

/**
 * The request's prompt and later turns as Messages API messages: the model's tool calls as
 * `tool_use` blocks, the results as one user message of `tool_result` blocks right after them.
 * Consecutive user content (results, then a nudge) is merged into one message, as the API wants
 * user and assistant turns to alternate.
 */
export function anthropicMessages(request: Pick<ProviderRequest, "prompt" | "conversation">): Anthropic.MessageParam[] {
  const messages: Anthropic.MessageParam[] = [{ role: "user", content: [{ type: "text", text: request.prompt }] }];
  const userBlocks = (blocks: Anthropic.ContentBlockParam[]) => {
    const last = messages.at(-1);
    if (last?.role === "user" && Array.isArray(last.content)) last.content.push(...blocks);
    else messages.push({ role: "user", content: blocks });
  };
  for (const turn of request.conversation ?? []) {
    if (turn.role === "user") userBlocks([{ type: "text", text: turn.text }]);
    else if (turn.role === "tool") {
      userBlocks(
        turn.results.map((r) => ({
          type: "tool_result" as const,
          tool_use_id: r.callId,
          content: r.content,
          ...(r.isError ? { is_error: true } : {}),
        })),
      );
    } else {
      const content: Anthropic.ContentBlockParam[] = [
        ...(turn.text ? [{ type: "text" as const, text: turn.text }] : []),
        ...turn.toolCalls.map((c) => ({ type: "tool_use" as const, id: c.id, name: c.name, input: c.input })),
      ];
      messages.push({ role: "assistant", content: content.length ? content : [{ type: "text", text: "(no answer)" }] });
    }
  }
  return messages;
}

/**
 * Anthropic Messages through the official SDK, streamed; usage comes from `message_start` (input)
 * and `message_delta` (cumulative output), which is what Anthropic bills.
 */
export function createAnthropicProvider(options: AnthropicProviderOptions): LlmProvider {
  const client = new Anthropic({
    apiKey: options.apiKey,
    // Explicit, so the SDK never resolves credentials or a base URL from the environment or profiles on disk.
    baseURL: options.baseURL ?? ANTHROPIC_DEFAULT_BASE_URL,
    maxRetries: 0,
    timeout: 10 * 60_000,
    ...sdkLogOptions(options.logger),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return {
    name: "anthropic",
    async complete(request: ProviderRequest): Promise<ProviderCompletion> {
      const model = `anthropic/${request.model}`;
      let text = "";
      let served = request.model;
      let stop: string | null = null;
      let inputTokens: number | undefined;
      let outputTokens: number | undefined;
      const calls = new Map<number, { id: string; name: string; json: string }>();
      try {
        const stream = await client.messages.create(
          {
            model: request.model,
            max_tokens: request.maxTokens ?? DEFAULT_MAX_TOKENS,
            ...(request.system ? { system: request.system } : {}),
            messages: request.conversation?.length ? anthropicMessages(request) : [{ role: "user", content: request.prompt }],
            ...(request.tools?.length
              ? {
                  tools: request.tools.map((tool) => ({
                    name: tool.name,
                    description: tool.description,
                    input_schema: tool.parameters as Anthropic.Tool.InputSchema,
                  })),
                }
              : {}),
            ...(request.temperature !== undefined && anthropicAcceptsTemperature(request.model)
              ? { temperature: request.temperature }
              : {}),
            stream: true,
          },
          { signal: request.signal },
        );
        for await (const event of stream) {
          switch (event.type) {
            case "message_start": {
              served = event.message.model || served;
              const usage = event.message.usage;
              // Cache reads and writes are input too (billed differently; we do not use prompt caching).
              inputTokens = (usage.input_tokens ?? 0) + (usage.cache_creation_input_tokens ?? 0) + (usage.cache_read_input_tokens ?? 0);
              outputTokens = usage.output_tokens;
              break;
            }
            case "content_block_start":
              // A tool_use block names the call first; its input follows as JSON fragments.
              if (event.content_block.type === "tool_use") {
                calls.set(event.index, { id: event.content_block.id, name: event.content_block.name, json: "" });
              }
              break;
            case "content_block_delta":
              if (event.delta.type === "text_delta" && event.delta.text) {
                text += event.delta.text;
                request.onDelta?.(event.delta.text);
              } else if (event.delta.type === "input_json_delta") {
                const call = calls.get(event.index);
                if (call) call.json += event.delta.partial_json;
              }
              break;
            case "message_delta":
              stop = event.delta.stop_reason ?? stop;
              // Cumulative counts; newer API versions may restate input here too.
              outputTokens = event.usage.output_tokens;
              if (event.usage.input_tokens !== null && event.usage.input_tokens !== undefined) {
                inputTokens =
                  event.usage.input_tokens + (event.usage.cache_creation_input_tokens ?? 0) + (event.usage.cache_read_input_tokens ?? 0);
              }
              break;
            default:
              break;
          }
        }
      } catch (err) {
        throw anthropicFailure(err, model, options);
      }
      if (request.signal.aborted) throw new LlmError("aborted", `call to ${model} was aborted`, { provider: "anthropic", model });
      if (stop === null) {
        throw new LlmError("provider_unavailable", `Anthropic ended the stream for ${model} before the answer was complete`, {
          provider: "anthropic",
          model,
        });
      }
      const toolCalls: ToolCall[] = [...calls.entries()]
        .sort(([a], [b]) => a - b)
        .map(([, call]) => ({ id: call.id, name: call.name, ...parseToolInput(call.json) }));
      const finishReason: FinishReason =
        stop === "max_tokens" ? "length" : stop === "refusal" ? "content_filter" : stop === "tool_use" ? "tool_use" : "stop";
      return {
        text,
        model: served,
        usage: {
          inputTokens: inputTokens ?? estimateConversationTokens(request.system, request.prompt, request.conversation),
          outputTokens: outputTokens ?? estimateTokens(text),
        },
        finishReason,
        toolCalls,
      };
    },
  };
}
