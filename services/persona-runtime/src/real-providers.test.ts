// Real model providers end to end: fake-threads, persona-runtime and the worker run as processes
// (as in production) with API keys and base URLs pointing at the local stand-in of the OpenAI and
// Anthropic APIs; the official SDKs inside persona-runtime talk to it over HTTP. Tasks go through
// the content queue; their events are read as Server-Sent Events; calls are checked in llm_calls.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { contentJobOptions, newId, QUEUES, TERMINAL_TASK_EVENTS } from "@threads-agent/contracts";
import { createDb } from "@threads-agent/db";
import { EventLog, StreamHub, streamEvents } from "@threads-agent/events";
import { costAtPrice, priceOf } from "@threads-agent/llm";
import { type Stack, startStack } from "@threads-agent/stack";
import {
  fakeThreads,
  type LlmStandIn,
  readSse,
  type SseMessage,
  type StandInRequest,
  startLlmStandIn,
  testEnv,
} from "@threads-agent/testing";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const env = testEnv();
const db = createDb(env.databaseUrl);
const redis = new Redis(env.redisUrl);
const events = new EventLog({ redis, prefix: env.redisPrefix, isTerminal: (t) => TERMINAL_TASK_EVENTS.has(t) });
const hub = new StreamHub({ redis });
const run = randomBytes(4).toString("hex");
// Not key-shaped on purpose: the log check below must find a leak by value, not miss it because
// pattern-based redaction happened to mask it.
const KEYS = { openai: `ta-e2e-openai-key-${run}`, anthropic: `ta-e2e-anthropic-key-${run}` };
const PERSONAS = { openai: `e2e-openai-${run}`, anthropic: `e2e-anthropic-${run}`, defaults: `e2e-default-${run}` };

let standIn: LlmStandIn;
let stack: Stack;
let queue: Queue;
let sse: Server;
let sseUrl: string;
const logs: string[] = [];
const taskIds: string[] = [];

beforeAll(async () => {
  // A small pause between chunks, like a real model, so deltas and SSE interleave for real.
  // Chunks far enough apart that a busy machine still delivers them as separate deltas.
  // Chunks well apart, as a real model streams them: persona-runtime sends the frames ready in one
  // turn of its event loop as one write (ndjson.ts), so chunks that arrive together travel together.
  standIn = await startLlmStandIn({ keys: KEYS, chunkDelayMs: 25 });
  const base = {
    emoji: "🧪",
    temperament: "witty",
    description: "Tests real providers.",
    hook_prompt: "Write one short opening line about: {input}",
  };
  const body_prompt = 'Continue the post that opens with "{hook}" in 2-4 short sentences about: {input}. No hashtags.';
  await db.persona.createMany({
    data: [
      {
        id: PERSONAS.openai,
        name: "OpenAI Tester",
        ...base,
        body_prompt,
        hook_model: "openai/gpt-4o-mini",
        body_model: "openai/gpt-4o-mini",
      },
      {
        id: PERSONAS.anthropic,
        name: "Claude Tester",
        ...base,
        body_prompt,
        hook_model: "anthropic/claude-haiku-4-5",
        body_model: "anthropic/claude-haiku-4-5",
      },
      { id: PERSONAS.defaults, name: "Default Tester", ...base, body_prompt, hook_model: null, body_model: null },
    ],
  });
  stack = await startStack({
    env: {
      ...process.env,
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      REDIS_PREFIX: env.redisPrefix,
      LOG_LEVEL: "info",
      OPENAI_API_KEY: KEYS.openai,
      ANTHROPIC_API_KEY: KEYS.anthropic,
      OPENAI_BASE_URL: standIn.openaiBaseUrl,
      ANTHROPIC_BASE_URL: standIn.anthropicBaseUrl,
      LLM_MAX_RETRIES: "2",
      LLM_RETRY_BASE_DELAY_MS: "20",
      LLM_TIMEOUT_MS: "5000",
      PERSONA_RUNTIME_TIMEOUT_MS: "20000",
      // The stand-in answers every prompt from one template, so a persona's posts here are
      // near-duplicates by construction; the check has its own test (worker near-duplicate.test.ts).
      NEAR_DUPLICATE_THRESHOLD: "2",
    },
    services: ["fake-threads", "persona-runtime", "worker"],
    onLine: (service, line) => logs.push(`[${service}] ${line}`),
  });
  queue = new Queue(QUEUES.content, { connection: redis, prefix: env.redisPrefix });
  // The task's event stream as SSE, served exactly as the orchestrator serves it.
  sse = createServer((req, res) => {
    const id = (req.url ?? "").split("/").pop() ?? "";
    void streamEvents({ log: events, hub, entity: "task", id, response: res, heartbeatMs: 1000 });
  });
  await new Promise<void>((resolve) => sse.listen(0, "127.0.0.1", resolve));
  sseUrl = `http://127.0.0.1:${(sse.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await queue?.close();
  await stack?.stop();
  await new Promise((resolve) => sse?.close(resolve));
  await standIn?.close();
  await db.llmCall.deleteMany({ where: { task_id: { in: taskIds } } });
  await db.$disconnect();
  await hub.close();
  redis.disconnect();
});

/** Queues a task as the orchestrator would and reads its events as SSE to the terminal one. */
async function runTask(persona: string, input: string, attempts = 3) {
  const id = newId();
  taskIds.push(id);
  await db.task.create({ data: { id, persona_id: persona, input } });
  await events.append("task", id, { type: "task.queued" });
  await queue.add("content", { task_id: id }, contentJobOptions(id, attempts, 50));
  const { messages } = await readSse(`${sseUrl}/tasks/${id}`, { timeoutMs: 45_000 });
  const task = await db.task.findUniqueOrThrow({ where: { id }, include: { post: true, llm_calls: { orderBy: { created_at: "asc" } } } });
  return { id, messages, task, calls: task.llm_calls };
}

/** The stand-in's model calls of a task, found by its unique input in the prompt. */
const requestsOf = (marker: string): StandInRequest[] =>
  standIn.requests.filter((r) => r.api !== "moderation" && JSON.stringify(r.body).includes(marker));
const types = (messages: SseMessage[]) => messages.map((m) => m.json.type);
const textOf = (messages: SseMessage[], step: string) =>
  messages
    .filter((m) => m.json.type === "step.delta" && m.json.step === step)
    .map((m) => m.json.text)
    .join("");

/** Every llm_calls row equals the usage the stand-in reported times the price table. */
function expectBilledAsReported(
  call: { model: string; tokens_in: number; tokens_out: number; cost_usd: unknown },
  reported: StandInRequest | undefined,
) {
  expect(reported?.usage).toBeDefined();
  expect({ tokens_in: call.tokens_in, tokens_out: call.tokens_out }).toEqual({
    tokens_in: reported?.usage?.input,
    tokens_out: reported?.usage?.output,
  });
  const price = priceOf(call.model);
  expect(price, `${call.model} is priced`).toBeDefined();
  expect(Number(call.cost_usd)).toBe(costAtPrice(price!, { inputTokens: call.tokens_in, outputTokens: call.tokens_out }));
  expect(Number(call.cost_usd)).toBeCloseTo((call.tokens_in * price!.input + call.tokens_out * price!.output) / 1e6, 10);
}

describe("content tasks on real providers (SDKs against the local stand-in)", () => {
  for (const [provider, persona, served] of [
    ["openai", () => PERSONAS.openai, "openai/gpt-4o-mini-2024-07-18"],
    ["anthropic", () => PERSONAS.anthropic, "anthropic/claude-haiku-4-5-20251001"],
  ] as const) {
    it(`publishes a post written by ${provider}, streaming its tokens to SSE in order and billing what the API reported`, async () => {
      const marker = `${provider}-post-${randomBytes(3).toString("hex")}`;
      const { id, messages, task, calls } = await runTask(persona(), `Reusable rockets are getting boring ${marker}`);
      expect(task.status).toBe("succeeded");
      expect(types(messages).at(-1)).toBe("task.succeeded");

      // The live view: each step's deltas arrive between its start and its end, in stream order,
      // and spell out exactly what the model sent.
      const sent = requestsOf(marker).filter((r) => r.api === provider);
      expect(sent.map((r) => [r.stream, r.auth, r.status])).toEqual([
        [true, "bearer", 200],
        [true, "bearer", 200],
      ]);
      for (const [step, request] of [
        ["hook", sent[0]],
        ["body", sent[1]],
      ] as const) {
        const order = messages.map((m) => `${m.json.type}:${m.json.step ?? ""}`);
        const started = order.indexOf(`step.started:${step}`);
        const completed = order.indexOf(`step.completed:${step}`);
        const deltas = messages.flatMap((m, i) => (m.json.type === "step.delta" && m.json.step === step ? [i] : []));
        // Streamed, not delivered whole at the end (a loaded machine may join neighbouring chunks).
        expect(deltas.length).toBeGreaterThan(1);
        expect(deltas.every((i) => i > started && i < completed)).toBe(true);
        expect(textOf(messages, step)).toBe(request?.text);
      }
      const ids = messages.map((m) => m.id as string);
      expect(ids).toEqual(
        [...ids].sort((a, b) => Number(a.split("-")[0]) - Number(b.split("-")[0]) || Number(a.split("-")[1]) - Number(b.split("-")[1])),
      );
      expect(task.post?.hook).toBe(sent[0]?.text);
      expect(task.post?.published_id).toBeTruthy();

      // Every call stored, billed as reported; moderation ran (free) because an OpenAI key is set.
      expect(calls.map((c) => [c.step, c.provider, c.model, c.reason])).toEqual([
        ["hook", provider, served, "primary"],
        ["body", provider, served, "primary"],
        ["guardrail", "openai", "openai/omni-moderation-2024-09-26", "primary"],
      ]);
      expectBilledAsReported(calls[0]!, sent[0]);
      expectBilledAsReported(calls[1]!, sent[1]);
      expect(Number(calls[2]?.cost_usd)).toBe(0);
      expect(task.tokens_in).toBe(calls.reduce((sum, c) => sum + c.tokens_in, 0));
      expect(task.tokens_out).toBe(calls.reduce((sum, c) => sum + c.tokens_out, 0));
      expect(Number(task.cost_usd)).toBeCloseTo(
        calls.reduce((sum, c) => sum + Number(c.cost_usd), 0),
        10,
      );
      expect(Number(task.cost_usd)).toBeGreaterThan(0);
      expect(id).toBeTruthy();
    });
  }

  it("retries a 429 and succeeds on the same model, saying so in the call's reason", async () => {
    const marker = `retry-${randomBytes(3).toString("hex")}`;
    standIn.fault({ api: "openai", model: "gpt-4o-mini", status: 429, retryAfterMs: 30 });
    const { task, calls } = await runTask(PERSONAS.defaults, `Four-day weeks at startups ${marker}`);
    expect(task.status).toBe("succeeded");
    expect(
      requestsOf(marker)
        .filter((r) => r.api === "openai")
        .map((r) => r.status),
    ).toEqual([429, 200, 200]);
    expect(calls[0]).toMatchObject({ step: "hook", provider: "openai", reason: "primary after 1 retry: rate_limited (HTTP 429)" });
    expectBilledAsReported(calls[0]!, requestsOf(marker)[1]);
  });

  it("hands the step to the fallback model when the primary keeps answering 500, recorded as such", async () => {
    const marker = `fallback-${randomBytes(3).toString("hex")}`;
    standIn.fault({ api: "openai", model: "gpt-4o-mini", status: 500, times: 3 });
    const { task, calls, messages } = await runTask(PERSONAS.defaults, `Open-source models in production ${marker}`);
    expect(task.status).toBe("succeeded");
    const sent = requestsOf(marker);
    expect(sent.map((r) => [r.api, r.status])).toEqual([
      ["openai", 500],
      ["openai", 500],
      ["openai", 500],
      ["anthropic", 200],
      ["openai", 200],
    ]);
    expect(calls[0]).toMatchObject({
      step: "hook",
      provider: "anthropic",
      model: "anthropic/claude-haiku-4-5-20251001",
      reason: "fallback: openai/gpt-4o-mini failed with provider_unavailable (HTTP 500) after 3 attempts",
    });
    expectBilledAsReported(calls[0]!, sent[3]);
    expect(calls[1]).toMatchObject({ step: "body", provider: "openai", reason: "primary" });
    expect(textOf(messages, "hook")).toBe(sent[3]?.text);
  });

  it("ends blocked, with the flagged categories, when moderation flags the post", async () => {
    const marker = `flag-me-${randomBytes(3).toString("hex")}`;
    const { id, task, calls, messages } = await runTask(PERSONAS.openai, `Office politics ${marker}`);
    expect(task.status).toBe("blocked");
    expect(task.error_code).toBe("guardrail_blocked");
    // The stand-in echoes the input into hook and body, so both are flagged.
    const reason = "blocked: moderation flagged the hook (harassment, violence) and the body (harassment, violence)";
    expect(task.error_message).toBe(reason);
    expect(messages.at(-1)?.json).toMatchObject({ type: "task.blocked", reason });
    expect(standIn.requests.find((r) => r.api === "moderation" && JSON.stringify(r.body).includes(marker))?.flagged).toEqual([true, true]);
    expect(task.post).toBeNull();
    expect(calls.map((c) => c.step)).toEqual(["hook", "body", "guardrail"]);
    // Nothing of it went out on Threads.
    expect((await fakeThreads(stack.urls["fake-threads"]).posts()).filter((p) => p.content.includes(marker))).toEqual([]);
    expect(await db.post.count({ where: { task_id: id } })).toBe(0);
  });

  it("fails at once, with a message people can act on, when the provider rejects the key", async () => {
    const marker = `badkey-${randomBytes(3).toString("hex")}`;
    standIn.fault({ api: "anthropic", status: 401 });
    const { task, messages } = await runTask(PERSONAS.anthropic, `Remote work ${marker}`);
    expect(task).toMatchObject({
      status: "failed",
      attempts: 1,
      error_code: "llm_auth_failed",
      error_message: "Anthropic rejected the API key (401): set a valid ANTHROPIC_API_KEY",
    });
    expect(types(messages)).not.toContain("task.retrying");
    expect(messages.at(-1)?.json).toMatchObject({ type: "task.failed", error: { code: "llm_auth_failed" } });
  });

  it("exports token, cost and attempt metrics", async () => {
    // The second read: a model's series (openLabels counters) shows its 0 to one scrape, then its count.
    const scrape = async (url: string) => {
      await fetch(url);
      return (await fetch(url)).text();
    };
    const runtime = await scrape(`${stack.urls["persona-runtime"]}/metrics`);
    expect(runtime).toMatch(/llm_tokens_total\{[^}]*model="openai\/gpt-4o-mini-2024-07-18"[^}]*\} [1-9]/);
    expect(runtime).toMatch(/llm_requests_total\{[^}]*outcome="rate_limited"[^}]*\} 1/);
    expect(runtime).toMatch(/llm_fallbacks_total\{[^}]*step="hook"[^}]*\} 1/);
    expect(runtime).toMatch(/request_latency_seconds_count\{[^}]*phase="guardrail"/);
    const worker = await scrape(`${stack.urls.worker}/metrics`);
    const anthropicCost = worker
      .split("\n")
      .find((l) => l.startsWith("llm_cost_usd_total{") && l.includes('model="anthropic/claude-haiku-4-5-20251001"'));
    expect(anthropicCost).toMatch(/provider="anthropic".*\} 0\.\d+$/);
    expect(worker).toMatch(/cost_per_post_usd_count\{[^}]*persona_id="e2e-openai-/);
  });

  it("never lets a key into logs, events or stored errors", async () => {
    // Stop the services so every line they buffered is written before looking.
    await stack.stop();
    expect(logs.some((l) => l.startsWith("[persona-runtime]") && l.includes("model call failed"))).toBe(true);
    expect(logs.some((l) => l.startsWith("[worker]"))).toBe(true);
    const streams = await Promise.all(taskIds.map((id) => events.range("task", id)));
    const stored = await db.task.findMany({
      where: { id: { in: taskIds } },
      select: { error_message: true, llm_calls: { select: { reason: true } } },
    });
    const everything = [logs.join("\n"), JSON.stringify(streams), JSON.stringify(stored)].join("\n");
    for (const key of Object.values(KEYS)) {
      expect(everything.includes(key), "a key leaked").toBe(false);
      // Not even the masked form real APIs echo in their 401 messages.
      expect(everything.includes(key.slice(-4)) && everything.includes(`${key.slice(0, 3)}***`)).toBe(false);
    }
  });
});
