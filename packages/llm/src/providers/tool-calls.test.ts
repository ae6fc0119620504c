// Tool calling through the official SDKs against the stand-in, which answers in each API's own
// wire format (OpenAI tool_calls deltas, Anthropic tool_use blocks with input_json_delta) and
// rejects conversations whose calls and results do not pair up, as the real APIs do.
import { type LlmStandIn, type StandInCall, startLlmStandIn } from "@threads-agent/testing/llm-stand-in";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createLlmRouter, type LlmRouter } from "../router.ts";
import type { ConversationTurn, ToolDefinition } from "../types.ts";
import { createProviders } from "./index.ts";

const KEYS = { openai: "ta-test-openai-tools-51c0", anthropic: "ta-test-anthropic-tools-7e2a" };
const TOOLS: ToolDefinition[] = [
  {
    name: "read_file",
    description: "Read a file of the repository",
    parameters: { type: "object", properties: { path: { type: "string" } }, required: ["path"] },
  },
];

let standIn: LlmStandIn;
let router: LlmRouter;
let script: (call: StandInCall) => ReturnType<NonNullable<Parameters<typeof startLlmStandIn>[0]["reply"]>>;
let seen: StandInCall[];

beforeAll(async () => {
  standIn = await startLlmStandIn({
    keys: KEYS,
    reply: (call) => {
      seen.push(call);
      return script(call);
    },
  });
  router = createLlmRouter({
    providers: createProviders({
      openai: { apiKey: KEYS.openai, baseURL: standIn.openaiBaseUrl },
      anthropic: { apiKey: KEYS.anthropic, baseURL: standIn.anthropicBaseUrl },
    }),
    retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 10 },
  });
});
afterAll(() => standIn?.close());
beforeEach(() => {
  standIn.reset();
  seen = [];
});

describe.each([
  ["openai", "openai/gpt-4o-mini", /^call_/],
  ["anthropic", "anthropic/claude-haiku-4-5", /^toolu_01/],
] as const)("tool calls: %s", (provider, model, idPattern) => {
  it("streams the text before a tool call, returns the call with its parsed input, then takes the result back", async () => {
    script = (call) =>
      call.turn === 0
        ? { text: "Reading the file first.", toolCalls: [{ name: "read_file", input: { path: "src/price.ts" } }] }
        : `The file says: ${call.toolResults[0]?.content}`;
    const deltas: string[] = [];
    const first = await router.complete({ model, prompt: "Fix the rounding", tools: TOOLS, onDelta: (d) => deltas.push(d) });
    expect(first.finishReason).toBe("tool_use");
    expect(first.text).toBe("Reading the file first.");
    expect(deltas.join("")).toBe(first.text);
    expect(first.toolCalls).toEqual([{ id: expect.stringMatching(idPattern), name: "read_file", input: { path: "src/price.ts" } }]);
    expect(standIn.requests.at(-1)?.toolCalls?.[0]?.id).toBe(first.toolCalls[0]?.id);
    expect(first.usage.inputTokens).toBeGreaterThan(0);

    const conversation: ConversationTurn[] = [
      { role: "assistant", text: first.text, toolCalls: first.toolCalls },
      { role: "tool", results: [{ callId: first.toolCalls[0]?.id as string, name: "read_file", content: "return cents / 100" }] },
    ];
    const second = await router.complete({ model, prompt: "Fix the rounding", tools: TOOLS, conversation });
    expect(second).toMatchObject({ finishReason: "stop", text: "The file says: return cents / 100", toolCalls: [] });
    expect(seen.at(-1)).toMatchObject({
      turn: 1,
      tools: ["read_file"],
      toolResults: [{ id: first.toolCalls[0]?.id, content: "return cents / 100" }],
    });
  });

  it("an answer that only calls tools has no text, and several calls keep their order", async () => {
    script = () => ({
      toolCalls: [
        { name: "read_file", input: { path: "a" } },
        { name: "read_file", input: { path: "b" } },
      ],
    });
    const turn = await router.complete({ model, prompt: "Read two files", tools: TOOLS });
    expect(turn.text).toBe("");
    expect(turn.toolCalls.map((c) => c.input)).toEqual([{ path: "a" }, { path: "b" }]);
  });

  it("arguments that are not JSON come back as an input error the caller can report to the model", async () => {
    script = () => ({ toolCalls: [{ name: "read_file", input: {} }], rawArguments: '{"path": "src/' });
    const turn = await router.complete({ model, prompt: "Read", tools: TOOLS });
    expect(turn.toolCalls[0]).toMatchObject({ name: "read_file", input: {}, inputError: expect.stringMatching(/not valid JSON/) });
  });

  it("a conversation whose tool call has no result is refused with the API's own message", async () => {
    script = () => "never";
    const conversation: ConversationTurn[] = [
      {
        role: "assistant",
        text: "",
        toolCalls: [{ id: provider === "openai" ? "call_orphan" : "toolu_01orphan", name: "read_file", input: {} }],
      },
      { role: "user", text: "go on" },
    ];
    await expect(router.complete({ model, prompt: "Read", tools: TOOLS, conversation })).rejects.toMatchObject({
      code: "bad_request",
      message: expect.stringMatching(/tool_call_id|tool_result/),
    });
  });
});
