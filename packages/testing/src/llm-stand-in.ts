// A local stand-in for the OpenAI and Anthropic HTTP APIs, for tests and benchmarks: the official
// SDKs talk to it through their baseURL exactly as they would to the real services. It speaks
// chat completions, messages (each in its own SSE streaming format, usage included), moderations,
// and each provider's error bodies; faults are scripted per call. No dependency on vitest, so
// scripts (bench/) can import it through "@threads-agent/testing/llm-stand-in".
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type StandInApi = "openai" | "anthropic" | "moderation";

/** A tool result the caller sent back, read from either wire format. */
export type StandInToolResult = { id: string; content: string; isError: boolean };

/** What a model call asked, as the stand-in's reply function sees it. */
export type StandInCall = {
  api: "openai" | "anthropic";
  model: string;
  system: string;
  prompt: string;
  maxTokens: number | undefined;
  /** Names of the tools offered. */
  tools: string[];
  /** Assistant turns already in the conversation: 0 on the first call of a tool loop. */
  turn: number;
  /** The tool results of the latest turn (OpenAI `tool` messages, Anthropic `tool_result` blocks). */
  toolResults: StandInToolResult[];
};

/** A scripted tool call; the stand-in gives it an id in the provider's style unless one is set. */
export type StandInToolCall = { name: string; input: unknown; id?: string };

/**
 * A scripted answer: text, tool calls, or both (text first, as models write). `rawArguments`
 * replaces the JSON of the calls' arguments verbatim, to script a model that writes broken JSON.
 */
export type StandInAnswer = { text?: string; toolCalls?: StandInToolCall[]; rawArguments?: string };

export type StandInFault = {
  api: StandInApi;
  /** Only calls for this model (as sent, e.g. "gpt-4o-mini"); any model when unset. */
  model?: string;
  /** HTTP status to answer with (401, 429, 500, 529, ...). Ignored with `midStream`. */
  status?: number;
  /** How many matching calls fail this way; default 1. */
  times?: number;
  /** Sent as retry-after-ms (and retry-after, rounded up to seconds). */
  retryAfterMs?: number;
  /** Error body overrides; defaults follow what each provider really sends for the status. */
  type?: string;
  code?: string;
  message?: string;
  /** Answer 200 and stream this many text chunks, then fail: with the provider's in-stream error event, or by cutting the connection. */
  midStream?: { afterChunks: number; mode: "error-event" | "disconnect" };
  /** Wait this long before answering (deadline tests); the wait ends early when the client goes away. */
  delayMs?: number;
};

export type StandInRequest = {
  api: StandInApi;
  path: string;
  model: string;
  stream: boolean;
  /** Which auth header carried the key: the Anthropic SDK 1.x sends a bearer token, older ones x-api-key. */
  auth: "bearer" | "x-api-key" | null;
  status: number;
  /** Usage reported in the response (successful model calls only). */
  usage?: { input: number; output: number };
  /** Text of the answer (successful model calls only). */
  text?: string;
  /** Tool calls of the answer, with the ids sent. */
  toolCalls?: { id: string; name: string; input: unknown }[];
  /** Model named in the response (a dated snapshot, as the real APIs answer). */
  servedModel?: string;
  /** The stream was broken on purpose (a `midStream` fault): nothing was billed. */
  broken?: boolean;
  /** Moderation: whether the stand-in flagged each input. */
  flagged?: boolean[];
  body: Record<string, unknown>;
};

export type LlmStandInOptions = {
  /** Keys the stand-in accepts; any other (or none) gets the provider's 401. */
  keys: { openai?: string; anthropic?: string };
  /**
   * The model's answer: text, or text and tool calls (streamed and returned in each API's own
   * format). The default writes a short hook-like line for small budgets, two sentences otherwise.
   */
  reply?: (call: StandInCall) => string | StandInAnswer;
  /** Pause between streamed chunks (live-stream demos and ordering tests); default 0. */
  chunkDelayMs?: number;
  /** Moderation flags any input this matches; default /\bflag-me\b/i. */
  flag?: RegExp;
  /** Categories a flagged input gets; default harassment and violence. */
  flagCategories?: string[];
};

export type LlmStandIn = {
  /** Origin, e.g. http://127.0.0.1:41234. */
  url: string;
  /** OPENAI_BASE_URL for the SDK (`<url>/v1`). */
  openaiBaseUrl: string;
  /** ANTHROPIC_BASE_URL for the SDK (the origin; the SDK adds /v1). */
  anthropicBaseUrl: string;
  /** Every request received, in order. */
  requests: StandInRequest[];
  fault(fault: StandInFault): void;
  /** Forgets faults and recorded requests. */
  reset(): void;
  close(): Promise<void>;
};

const MODERATION_CATEGORIES = [
  "harassment",
  "harassment/threatening",
  "hate",
  "hate/threatening",
  "illicit",
  "illicit/violent",
  "self-harm",
  "self-harm/intent",
  "self-harm/instructions",
  "sexual",
  "sexual/minors",
  "violence",
  "violence/graphic",
];

// What the real APIs name in their responses for an alias: a dated snapshot.
const SNAPSHOTS: Record<string, string> = {
  "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
  "gpt-4o": "gpt-4o-2024-08-06",
  "claude-haiku-4-5": "claude-haiku-4-5-20251001",
  "claude-sonnet-4-5": "claude-sonnet-4-5-20250929",
  "omni-moderation-latest": "omni-moderation-2024-09-26",
};

/** Usage as the stand-in reports it: deliberately not the ~4-chars-per-token estimate, so tests can tell billed usage from estimates. */
export function standInUsage(system: string, prompt: string, text: string): { input: number; output: number } {
  return { input: Math.ceil((system.length + prompt.length) / 3) + 7, output: Math.ceil(text.length / 3) + 1 };
}

function defaultReply(call: StandInCall): string {
  // The prompt's first paragraph: the persona's own prompt with the input (a hook prompt's
  // `Style:` and `Angle:` lines come after a blank line).
  const words = (call.prompt.split(/\n\s*\n/)[0] ?? call.prompt)
    .replace(/[^\p{L}\p{N}\s'-]/gu, " ")
    .split(/\s+/)
    .filter((w) => w.length > 3)
    .slice(-6);
  const topic = words.join(" ").toLowerCase() || "this";
  if ((call.maxTokens ?? 1000) <= 100) return `Nobody is ready for what ${topic} changes next`;
  return `Here is the part people miss about ${topic}. Start small, ship this week, and learn from real users.`;
}

/** Words with their trailing space: chunks that concatenate to exactly the text, like a tokenizer's stream. */
function chunksOf(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? (text ? [text] : []);
}

type ErrorShape = { type: string; code: string | null; message: string };

function openAiError(status: number, model: string, key: string | undefined): ErrorShape {
  switch (status) {
    case 401: {
      // The real API echoes a masked key; the stand-in does the same so tests can check nothing passes it on.
      const masked = key ? `${key.slice(0, 3)}${"*".repeat(Math.max(0, key.length - 7))}${key.slice(-4)}` : "";
      return {
        type: "invalid_request_error",
        code: "invalid_api_key",
        message: `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      };
    }
    case 403:
      return {
        type: "invalid_request_error",
        code: "unsupported_country_region_territory",
        message: "Country, region, or territory not supported",
      };
    case 404:
      return {
        type: "invalid_request_error",
        code: "model_not_found",
        message: `The model \`${model}\` does not exist or you do not have access to it.`,
      };
    case 429:
      return {
        type: "requests",
        code: "rate_limit_exceeded",
        message: `Rate limit reached for ${model} on requests per min (RPM): Limit 3, Used 3, Requested 1.`,
      };
    case 400:
      return { type: "invalid_request_error", code: null, message: "Invalid request." };
    default:
      return { type: "server_error", code: null, message: "The server had an error while processing your request. Sorry about that!" };
  }
}

function anthropicError(status: number, model: string): ErrorShape {
  const type =
    {
      400: "invalid_request_error",
      401: "authentication_error",
      402: "billing_error",
      403: "permission_error",
      404: "not_found_error",
      413: "request_too_large",
      429: "rate_limit_error",
      529: "overloaded_error",
    }[status] ?? "api_error";
  const message =
    {
      authentication_error: "invalid x-api-key",
      not_found_error: `model: ${model}`,
      rate_limit_error: "Number of request tokens has exceeded your per-minute rate limit",
      overloaded_error: "Overloaded",
      api_error: "Internal server error",
    }[type] ?? "Invalid request";
  return { type, code: null, message };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return {};
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return {};
  }
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content))
    return content.map((part) => (typeof part === "string" ? part : ((part as { text?: string }).text ?? ""))).join("");
  return "";
}

const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const idChars = (n: number) => randomBytes(n).toString("base64url").replace(/[-_]/g, "x").slice(0, n);

type Message = { role: string; content?: unknown; tool_calls?: { id?: string }[]; tool_call_id?: string };
type Block = { type?: string; id?: string; tool_use_id?: string; content?: unknown; is_error?: boolean; text?: string };

/** The 400 each API answers when tool calls and results do not pair up (their documented rules), or null. */
function toolPairingProblem(api: "openai" | "anthropic", messages: Message[]): string | null {
  if (api === "openai") {
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i] as Message;
      if (message.role === "tool") {
        const previous = messages.slice(0, i).findLast((m) => m.role !== "tool");
        if (!previous?.tool_calls?.some((c) => c.id === message.tool_call_id)) {
          return "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.";
        }
      }
      if (message.role === "assistant" && message.tool_calls?.length) {
        const answered = new Set<string | undefined>();
        for (let k = i + 1; k < messages.length && messages[k]?.role === "tool"; k++) answered.add(messages[k]?.tool_call_id);
        const missing = message.tool_calls.map((c) => c.id).filter((id) => !answered.has(id));
        if (missing.length) {
          return `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${missing.join(", ")}`;
        }
      }
    }
    return null;
  }
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i] as Message;
    if (message.role !== "assistant" || !Array.isArray(message.content)) continue;
    const uses = (message.content as Block[]).filter((b) => b.type === "tool_use").map((b) => b.id);
    if (!uses.length) continue;
    const next = messages[i + 1];
    const results = new Set(
      Array.isArray(next?.content) ? (next.content as Block[]).filter((b) => b.type === "tool_result").map((b) => b.tool_use_id) : [],
    );
    const missing = uses.filter((id) => !results.has(id));
    if (missing.length) {
      return `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(", ")}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    }
  }
  return null;
}

/** The latest turn's tool results, from either format. */
function latestToolResults(api: "openai" | "anthropic", messages: Message[]): StandInToolResult[] {
  if (api === "openai") {
    const results: StandInToolResult[] = [];
    for (let k = messages.length - 1; k >= 0 && messages[k]?.role === "tool"; k--) {
      const m = messages[k] as Message;
      results.unshift({ id: String(m.tool_call_id), content: contentText(m.content), isError: false });
    }
    return results;
  }
  const last = messages.at(-1);
  if (last?.role !== "user" || !Array.isArray(last.content)) return [];
  return (last.content as Block[])
    .filter((b) => b.type === "tool_result")
    .map((b) => ({ id: String(b.tool_use_id), content: contentText(b.content), isError: b.is_error === true }));
}

export async function startLlmStandIn(options: LlmStandInOptions): Promise<LlmStandIn> {
  const requests: StandInRequest[] = [];
  let faults: (StandInFault & { left: number })[] = [];
  const reply = options.reply ?? defaultReply;
  const flag = options.flag ?? /\bflag-me\b/i;
  const flagCategories = options.flagCategories ?? ["harassment", "violence"];
  const open = new Set<ServerResponse>();
  let sequence = 0;

  const takeFault = (api: StandInApi, model: string) => {
    const fault = faults.find((f) => f.api === api && (f.model === undefined || f.model === model) && f.left > 0);
    if (!fault) return undefined;
    fault.left -= 1;
    faults = faults.filter((f) => f.left > 0);
    return fault;
  };

  const wait = (ms: number, res: ServerResponse) =>
    new Promise<void>((resolve) => {
      if (ms <= 0) return resolve();
      const onClose = () => {
        clearTimeout(timer);
        resolve();
      };
      // The listener goes with the timer, or a long stream piles up one per chunk.
      const timer = setTimeout(() => {
        res.off("close", onClose);
        resolve();
      }, ms);
      res.once("close", onClose);
    });

  const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    if (res.destroyed) return;
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };

  const server = createServer((req, res) => {
    open.add(res);
    res.on("close", () => open.delete(res));
    void handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `stand-in failed: ${(err as Error).message}`, type: "server_error" } });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const body = await readJson(req);
    const api: StandInApi | null =
      req.method !== "POST"
        ? null
        : path === "/v1/chat/completions"
          ? "openai"
          : path === "/v1/messages"
            ? "anthropic"
            : path === "/v1/moderations"
              ? "moderation"
              : null;
    if (!api)
      return sendJson(res, 404, { error: { message: `Unknown request URL: ${req.method} ${path}`, type: "invalid_request_error" } });

    const model = String(body.model ?? "");
    const stream = body.stream === true;
    const authorization = req.headers.authorization;
    const apiKeyHeader = req.headers["x-api-key"];
    const presented = authorization?.startsWith("Bearer ")
      ? authorization.slice(7)
      : typeof apiKeyHeader === "string"
        ? apiKeyHeader
        : undefined;
    const auth: StandInRequest["auth"] = authorization ? "bearer" : apiKeyHeader ? "x-api-key" : null;
    const record: StandInRequest = { api, path, model, stream, auth, status: 200, body };
    requests.push(record);
    const requestId = `req_standin_${++sequence}`;
    const idHeader: Record<string, string> = api === "anthropic" ? { "request-id": requestId } : { "x-request-id": requestId };

    const fail = (status: number, fault?: StandInFault, key?: string) => {
      record.status = status;
      const shape = api === "anthropic" ? anthropicError(status, model) : openAiError(status, model, key);
      const error = {
        ...shape,
        ...(fault?.type ? { type: fault.type } : {}),
        ...(fault?.code ? { code: fault.code } : {}),
        ...(fault?.message ? { message: fault.message } : {}),
      };
      const headers: Record<string, string> = { ...idHeader };
      if (fault?.retryAfterMs !== undefined) {
        headers["retry-after-ms"] = String(fault.retryAfterMs);
        headers["retry-after"] = String(Math.ceil(fault.retryAfterMs / 1000));
      }
      if (api === "anthropic")
        sendJson(res, status, { type: "error", error: { type: error.type, message: error.message }, request_id: requestId }, headers);
      else sendJson(res, status, { error: { message: error.message, type: error.type, param: null, code: error.code } }, headers);
    };

    const expectedKey = api === "anthropic" ? options.keys.anthropic : options.keys.openai;
    if (!expectedKey || presented !== expectedKey) return fail(401, undefined, presented);

    const fault = takeFault(api, model);
    if (fault?.delayMs) await wait(fault.delayMs, res);
    if (res.destroyed) return;
    if (fault && !fault.midStream) return fail(fault.status ?? 500, fault);

    if (api === "moderation") {
      const inputs = (Array.isArray(body.input) ? body.input : [body.input]).map((i) => contentText(i));
      const flagged = inputs.map((text) => flag.test(text));
      record.flagged = flagged;
      record.servedModel = SNAPSHOTS[model] ?? model;
      return sendJson(
        res,
        200,
        {
          id: `modr-${randomBytes(6).toString("hex")}`,
          model: record.servedModel,
          results: flagged.map((isFlagged) => ({
            flagged: isFlagged,
            categories: Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, isFlagged && flagCategories.includes(c)])),
            category_scores: Object.fromEntries(
              MODERATION_CATEGORIES.map((c) => [c, isFlagged && flagCategories.includes(c) ? 0.97 : 0.0004]),
            ),
            category_applied_input_types: Object.fromEntries(MODERATION_CATEGORIES.map((c) => [c, ["text"]])),
          })),
        },
        idHeader,
      );
    }

    // A model call: who speaks, what is asked, within which budget.
    let system = "";
    let prompt = "";
    let maxTokens: number | undefined;
    if (api === "openai") {
      for (const message of (body.messages as { role: string; content: unknown }[] | undefined) ?? []) {
        if (message.role === "system" || message.role === "developer") system += contentText(message.content);
        else if (message.role === "user") prompt += contentText(message.content);
      }
      maxTokens = (body.max_completion_tokens ?? body.max_tokens) as number | undefined;
    } else {
      system = contentText(body.system);
      for (const message of (body.messages as { role: string; content: unknown }[] | undefined) ?? []) {
        if (message.role === "user") prompt += contentText(message.content);
      }
      maxTokens = body.max_tokens as number | undefined;
    }
    const messages = (body.messages as Message[] | undefined) ?? [];
    const tools = ((body.tools as { name?: string; function?: { name?: string } }[] | undefined) ?? []).map(
      (t) => (api === "openai" ? t.function?.name : t.name) ?? "",
    );
    const badTool = tools.find((name) => !TOOL_NAME.test(name));
    if (badTool !== undefined) {
      return fail(400, { api, message: `Invalid 'tools': the tool name ${JSON.stringify(badTool)} must match ^[a-zA-Z0-9_-]{1,64}$` });
    }
    const pairing = toolPairingProblem(api, messages);
    if (pairing) return fail(400, { api, message: pairing });
    const answer = reply({
      api,
      model,
      system,
      prompt,
      maxTokens,
      tools,
      turn: messages.filter((m) => m.role === "assistant").length,
      toolResults: latestToolResults(api, messages),
    });
    const scripted: StandInAnswer = typeof answer === "string" ? { text: answer } : answer;
    const text = scripted.text ?? "";
    const toolCalls = (scripted.toolCalls ?? []).map((call) => ({
      id: call.id ?? (api === "openai" ? `call_${idChars(24)}` : `toolu_01${idChars(22)}`),
      name: call.name,
      input: call.input,
      arguments: scripted.rawArguments ?? JSON.stringify(call.input ?? {}),
    }));
    const usage = standInUsage(system, prompt, text + toolCalls.map((c) => c.arguments).join(""));
    const servedModel = SNAPSHOTS[model] ?? model;
    Object.assign(record, { usage, text, servedModel });
    if (toolCalls.length) record.toolCalls = toolCalls.map(({ id, name, input }) => ({ id, name, input }));
    const stopReason = toolCalls.length ? (api === "openai" ? "tool_calls" : "tool_use") : api === "openai" ? "stop" : "end_turn";

    if (!stream) {
      if (api === "openai") {
        return sendJson(
          res,
          200,
          {
            id: `chatcmpl-${requestId}`,
            object: "chat.completion",
            created: Math.floor(Date.now() / 1000),
            model: servedModel,
            choices: [
              {
                index: 0,
                message: {
                  role: "assistant",
                  content: toolCalls.length && !text ? null : text,
                  refusal: null,
                  ...(toolCalls.length
                    ? {
                        tool_calls: toolCalls.map((c) => ({
                          id: c.id,
                          type: "function",
                          function: { name: c.name, arguments: c.arguments },
                        })),
                      }
                    : {}),
                },
                logprobs: null,
                finish_reason: stopReason,
              },
            ],
            usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
          },
          idHeader,
        );
      }
      return sendJson(
        res,
        200,
        {
          id: `msg_${requestId}`,
          type: "message",
          role: "assistant",
          model: servedModel,
          content: [
            ...(text || !toolCalls.length ? [{ type: "text", text }] : []),
            ...toolCalls.map((c) => ({ type: "tool_use", id: c.id, name: c.name, input: c.input ?? {} })),
          ],
          stop_reason: stopReason,
          stop_sequence: null,
          usage: { input_tokens: usage.input, output_tokens: usage.output, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 },
        },
        idHeader,
      );
    }

    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      ...idHeader,
    });
    const send = (event: string | null, data: unknown) => {
      if (res.destroyed) return;
      res.write(`${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
    };
    const chunks = chunksOf(text);
    const breakAt = fault?.midStream ? fault.midStream.afterChunks : Number.POSITIVE_INFINITY;
    const breakStream = async () => {
      record.broken = true;
      delete record.usage;
      if (fault?.midStream?.mode === "disconnect") {
        // Let what was written reach the client first: an immediate reset would discard it.
        await wait(30, res);
        return void res.destroy();
      }
      if (api === "openai")
        send(null, {
          error: { message: "The server had an error while processing your request.", type: "server_error", param: null, code: null },
        });
      else send("error", { type: "error", error: { type: fault?.type ?? "overloaded_error", message: "Overloaded" } });
      res.end();
    };

    if (api === "openai") {
      const base = {
        id: `chatcmpl-${requestId}`,
        object: "chat.completion.chunk",
        created: Math.floor(Date.now() / 1000),
        model: servedModel,
        system_fingerprint: "fp_standin",
      };
      send(null, {
        ...base,
        choices: [{ index: 0, delta: { role: "assistant", content: "", refusal: null }, logprobs: null, finish_reason: null }],
        usage: null,
      });
      for (const [i, piece] of chunks.entries()) {
        if (i === breakAt) return breakStream();
        await wait(options.chunkDelayMs ?? 0, res);
        send(null, { ...base, choices: [{ index: 0, delta: { content: piece }, logprobs: null, finish_reason: null }], usage: null });
      }
      if (breakAt !== Number.POSITIVE_INFINITY) return breakStream();
      // Each call: a first chunk with its index, id, type and name, then its arguments in fragments.
      for (const [index, call] of toolCalls.entries()) {
        const toolDelta = (fn: Record<string, string>, head = false) =>
          send(null, {
            ...base,
            choices: [
              {
                index: 0,
                delta: { tool_calls: [{ index, ...(head ? { id: call.id, type: "function" } : {}), function: fn }] },
                logprobs: null,
                finish_reason: null,
              },
            ],
            usage: null,
          });
        toolDelta({ name: call.name, arguments: "" }, true);
        for (const fragment of call.arguments.match(/.{1,12}/gs) ?? []) {
          await wait(options.chunkDelayMs ?? 0, res);
          toolDelta({ arguments: fragment });
        }
      }
      send(null, { ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: stopReason }], usage: null });
      const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      if (includeUsage)
        send(null, {
          ...base,
          choices: [],
          usage: { prompt_tokens: usage.input, completion_tokens: usage.output, total_tokens: usage.input + usage.output },
        });
      send(null, "[DONE]");
      return res.end();
    }

    send("message_start", {
      type: "message_start",
      message: {
        id: `msg_${requestId}`,
        type: "message",
        role: "assistant",
        model: servedModel,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: usage.input, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 },
      },
    });
    // An answer that only calls tools has no text block: its first tool_use block is index 0.
    const hasText = text !== "" || toolCalls.length === 0;
    if (hasText) send("content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } });
    send("ping", { type: "ping" });
    for (const [i, piece] of chunks.entries()) {
      if (i === breakAt) return breakStream();
      await wait(options.chunkDelayMs ?? 0, res);
      send("content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: piece } });
    }
    if (breakAt !== Number.POSITIVE_INFINITY) return breakStream();
    if (hasText) send("content_block_stop", { type: "content_block_stop", index: 0 });
    // Each call its own tool_use block after the text: named at the start, its input as JSON fragments.
    for (const [i, call] of toolCalls.entries()) {
      const index = i + (hasText ? 1 : 0);
      send("content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id: call.id, name: call.name, input: {} },
      });
      for (const fragment of call.arguments.match(/.{1,12}/gs) ?? []) {
        await wait(options.chunkDelayMs ?? 0, res);
        send("content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: fragment } });
      }
      send("content_block_stop", { type: "content_block_stop", index });
    }
    send("message_delta", {
      type: "message_delta",
      delta: { stop_reason: stopReason, stop_sequence: null },
      usage: { output_tokens: usage.output },
    });
    send("message_stop", { type: "message_stop" });
    res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    requests,
    fault(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    reset() {
      faults = [];
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
