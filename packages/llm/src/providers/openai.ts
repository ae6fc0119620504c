import OpenAI from "openai";
import { LlmError } from "../errors.ts";
import { estimateConversationTokens, estimateTokens } from "../tokens.ts";
import type { FinishReason, LlmProvider, ProviderCompletion, ProviderRequest, ToolCall } from "../types.ts";
import { describeEndpoint, networkCause, scrubSecrets, toLlmError } from "./http-errors.ts";
import { type SdkLogger, sdkLogOptions } from "./sdk-logger.ts";
import { parseToolInput } from "./tool-input.ts";

export const OPENAI_DEFAULT_BASE_URL = "https://api.openai.com/v1";

export type OpenAiProviderOptions = {
  apiKey: string;
  /** API root including `/v1` (a proxy, an Azure-compatible gateway, a test stand-in). */
  baseURL?: string | undefined;
  /** Where the SDK's own warnings go (through the service logger, which redacts secrets); silent when unset. */
  logger?: SdkLogger | undefined;
  /** Replaces global fetch (tests, instrumentation). */
  fetch?: typeof fetch | undefined;
};

// o-series and GPT-5 reasoning models reject `temperature` and spend part of the token budget on
// hidden reasoning; their chat variants (gpt-5-chat-latest, gpt-5.1-chat) behave like GPT-4o.
const REASONING_MODEL = /^(?:o\d|gpt-5)(?!.*-chat)/;
// Reasoning tokens count against max_completion_tokens: without headroom a 60-token hook budget
// can be spent thinking and the answer comes back empty.
const REASONING_HEADROOM_TOKENS = 2_048;

export function isOpenAiReasoningModel(model: string): boolean {
  return REASONING_MODEL.test(model);
}

/** Builds the SDK client the same way for chat and moderation: our retries, our deadlines, no env lookups. */
export function createOpenAiClient(options: OpenAiProviderOptions): OpenAI {
  return new OpenAI({
    apiKey: options.apiKey,
    // Explicit, so the SDK never reads OPENAI_BASE_URL/OPENAI_LOG from the environment behind the config's back.
    baseURL: options.baseURL ?? OPENAI_DEFAULT_BASE_URL,
    // The router owns retries and deadlines; the SDK's would multiply them and hide them.
    maxRetries: 0,
    timeout: 10 * 60_000,
    ...sdkLogOptions(options.logger),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}

/** Maps whatever the OpenAI SDK threw to an LlmError; aborts pass through for the router to classify. */
export function openAiFailure(err: unknown, model: string, options: { apiKey: string; baseURL?: string | undefined }): unknown {
  if (err instanceof OpenAI.APIUserAbortError) return err;
  if (err instanceof LlmError) return err;
  if (err instanceof OpenAI.APIConnectionTimeoutError) {
    return new LlmError("timeout", `OpenAI did not answer in time for ${model}`, { provider: "openai", model });
  }
  if (err instanceof OpenAI.APIConnectionError) {
    return new LlmError(
      "provider_unavailable",
      `could not reach OpenAI at ${describeEndpoint(options.baseURL ?? OPENAI_DEFAULT_BASE_URL)}: ${scrubSecrets(networkCause(err), [options.apiKey])}`,
      { provider: "openai", model },
    );
  }
  if (err instanceof OpenAI.APIError) {
    const body = err.error as { message?: string; type?: string; code?: string } | undefined;
    return toLlmError({
      provider: "openai",
      model,
      status: err.status,
      headers: err.headers,
      type: err.type ?? body?.type,
      code: err.code ?? body?.code,
      message: body?.message ?? err.message,
      requestId: err.requestID,
      secrets: [options.apiKey],
    });
  }
  if ((err as { name?: string } | undefined)?.name === "AbortError") return err;
  // Anything else broke the response body mid-stream (connection reset, proxy timeout): transient.
  return new LlmError(
    "provider_unavailable",
    `the connection to OpenAI broke while streaming ${model}: ${scrubSecrets(networkCause(err), [options.apiKey])}`,
    {
      provider: "openai",
      model,
    },
  );
}

/** The request's prompt and later turns as chat messages: tool calls on the assistant message, one `tool` message per result. */
export function openAiMessages(request: Pick<ProviderRequest, "system" | "prompt" | "conversation">): OpenAI.ChatCompletionMessageParam[] {
  const messages: OpenAI.ChatCompletionMessageParam[] = [
    ...(request.system ? [{ role: "system" as const, content: request.system }] : []),
    { role: "user", content: request.prompt },
  ];
  for (const turn of request.conversation ?? []) {
    if (turn.role === "user") messages.push({ role: "user", content: turn.text });
    else if (turn.role === "tool") {
      for (const result of turn.results) messages.push({ role: "tool", tool_call_id: result.callId, content: result.content });
    } else {
      messages.push({
        role: "assistant",
        // An assistant message needs content or tool calls; an empty answer is kept as a placeholder.
        content: turn.text || (turn.toolCalls.length ? null : "(no answer)"),
        ...(turn.toolCalls.length
          ? {
              tool_calls: turn.toolCalls.map((call) => ({
                id: call.id,
                type: "function" as const,
                function: { name: call.name, arguments: JSON.stringify(call.input) },
              })),
            }
          : {}),
      });
    }
  }
  return messages;
}

/**
 * OpenAI chat completions through the official SDK, always streamed (one code path; the deltas
 * feed the live view) with the usage chunk requested, so tokens and cost are what OpenAI billed.
 */
export function createOpenAiProvider(options: OpenAiProviderOptions): LlmProvider {
  const client = createOpenAiClient(options);
  return {
    name: "openai",
    async complete(request: ProviderRequest): Promise<ProviderCompletion> {
      const model = `openai/${request.model}`;
      const reasoning = isOpenAiReasoningModel(request.model);
      let text = "";
      let refusal = "";
      let served = request.model;
      let finish: string | null = null;
      let usage: OpenAI.CompletionUsage | undefined;
      const calls: { id: string; name: string; arguments: string }[] = [];
      try {
        const stream = await client.chat.completions.create(
          {
            model: request.model,
            messages: openAiMessages(request),
            ...(request.tools?.length
              ? {
                  tools: request.tools.map((tool) => ({
                    type: "function" as const,
                    function: { name: tool.name, description: tool.description, parameters: tool.parameters },
                  })),
                }
              : {}),
            stream: true,
            stream_options: { include_usage: true },
            ...(request.maxTokens !== undefined
              ? { max_completion_tokens: reasoning ? request.maxTokens + REASONING_HEADROOM_TOKENS : request.maxTokens }
              : {}),
            ...(request.temperature !== undefined && !reasoning ? { temperature: request.temperature } : {}),
            ...(reasoning ? { reasoning_effort: "low" as const } : {}),
          },
          { signal: request.signal },
        );
        for await (const chunk of stream) {
          if (chunk.model) served = chunk.model;
          if (chunk.usage) usage = chunk.usage;
          const choice = chunk.choices[0];
          if (!choice) continue;
          const delta = choice.delta?.content;
          if (delta) {
            text += delta;
            request.onDelta?.(delta);
          }
          if (choice.delta?.refusal) refusal += choice.delta.refusal;
          // A tool call arrives in pieces keyed by index: its id and name first, then argument fragments.
          for (const piece of choice.delta?.tool_calls ?? []) {
            const call = (calls[piece.index] ??= { id: "", name: "", arguments: "" });
            if (piece.id) call.id = piece.id;
            if (piece.function?.name) call.name += piece.function.name;
            if (piece.function?.arguments) call.arguments += piece.function.arguments;
          }
          if (choice.finish_reason) finish = choice.finish_reason;
        }
      } catch (err) {
        throw openAiFailure(err, model, options);
      }
      if (request.signal.aborted) throw new LlmError("aborted", `call to ${model} was aborted`, { provider: "openai", model });
      // A stream that ends without a finish reason was cut (proxy, connection reset): not an answer.
      if (finish === null && !refusal) {
        throw new LlmError("provider_unavailable", `OpenAI ended the stream for ${model} before the answer was complete`, {
          provider: "openai",
          model,
        });
      }
      const toolCalls: ToolCall[] = calls
        .filter(Boolean)
        .map((call) => ({ id: call.id, name: call.name, ...parseToolInput(call.arguments) }));
      const finishReason: FinishReason =
        finish === "length"
          ? "length"
          : finish === "content_filter" || (refusal && !text)
            ? "content_filter"
            : finish === "tool_calls" || toolCalls.length
              ? "tool_use"
              : "stop";
      return {
        text,
        model: served,
        // Cached prompt tokens are billed at a discount; counting them in full errs on the side of cost.
        usage: usage
          ? { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens }
          : // Some OpenAI-compatible proxies drop the usage chunk: estimate rather than record zero.
            {
              inputTokens: estimateConversationTokens(request.system, request.prompt, request.conversation),
              outputTokens: estimateTokens(text),
            },
        finishReason,
        toolCalls,
      };
    },
  };
}
