// The real SDKs against the local stand-in of the OpenAI and Anthropic APIs: streaming, usage and
// cost, retries, fallbacks, deadlines, moderation and errors people can act on.

import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { type LlmStandIn, startLlmStandIn } from "@threads-agent/testing/llm-stand-in";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { LlmError } from "../errors.ts";
import { createOpenAiModerator } from "../moderation.ts";
import { costAtPrice, priceOf } from "../pricing.ts";
import type { AttemptReport } from "../retry.ts";
import { createLlmRouter, type LlmRouter } from "../router.ts";
import { createAnthropicProvider } from "./anthropic.ts";
import { createProviders } from "./index.ts";
import { createOpenAiProvider } from "./openai.ts";

// Not key-shaped on purpose: a leak must be found by value, not hidden by pattern-based redaction.
const KEYS = { openai: "ta-test-openai-3f9c2b7d41e8", anthropic: "ta-test-anthropic-8a1d5e0c97b2" };

let standIn: LlmStandIn;
let router: LlmRouter;
let attempts: AttemptReport[];

beforeAll(async () => {
  standIn = await startLlmStandIn({ keys: KEYS });
});
afterAll(() => standIn?.close());
beforeEach(() => {
  standIn.reset();
  attempts = [];
  router = createLlmRouter({
    providers: createProviders({
      openai: { apiKey: KEYS.openai, baseURL: standIn.openaiBaseUrl },
      anthropic: { apiKey: KEYS.anthropic, baseURL: standIn.anthropicBaseUrl },
    }),
    retry: { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 1_000 },
    onAttempt: (report) => attempts.push(report),
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const hookCall = {
  system: "You are AI Elon.",
  prompt: "Write one punchy opening line about: reusable rockets",
  maxTokens: 60,
  temperature: 0.9,
};
const modelCalls = () => standIn.requests.filter((r) => r.api !== "moderation");
const noKeyIn = (text: string) => {
  expect(text).not.toContain(KEYS.openai);
  expect(text).not.toContain(KEYS.anthropic);
};

describe("providers through the official SDKs", () => {
  for (const [provider, model, served] of [
    ["openai", "openai/gpt-4o-mini", "openai/gpt-4o-mini-2024-07-18"],
    ["anthropic", "anthropic/claude-haiku-4-5", "anthropic/claude-haiku-4-5-20251001"],
  ] as const) {
    it(`${provider}: streams deltas and bills the usage the response reported`, async () => {
      const deltas: string[] = [];
      const completion = await router.complete({ model, ...hookCall, onDelta: (d) => deltas.push(d) });
      const [request] = modelCalls();
      expect(request).toMatchObject({ api: provider, stream: true, status: 200, auth: "bearer" });
      expect(deltas.length).toBeGreaterThan(3);
      expect(deltas.join("")).toBe(completion.text);
      expect(completion.text).toBe(request?.text);
      expect(completion).toMatchObject({
        provider,
        model: served,
        requestedModel: model,
        reason: "primary",
        attempts: 1,
        finishReason: "stop",
        priceVersion: "2026-11-21",
      });
      // Tokens are what the API said, not an estimate; cost is those tokens times the price table.
      expect(completion.usage).toEqual({ inputTokens: request?.usage?.input, outputTokens: request?.usage?.output });
      const price = priceOf(served)!;
      expect(price.model).toBe(model);
      expect(completion.costUsd).toBe(costAtPrice(price, completion.usage));
      expect(completion.costUsd).toBeCloseTo(
        (completion.usage.inputTokens * price.input + completion.usage.outputTokens * price.output) / 1e6,
        9,
      );
      expect(completion.costUsd).toBeGreaterThan(0);
    });
  }

  it("sends what each API expects: system message, token budget and temperature", async () => {
    await router.complete({ model: "openai/gpt-4o-mini", ...hookCall });
    await router.complete({ model: "anthropic/claude-haiku-4-5", ...hookCall });
    const [openai, anthropic] = modelCalls();
    expect(openai?.body).toMatchObject({
      model: "gpt-4o-mini",
      stream: true,
      stream_options: { include_usage: true },
      max_completion_tokens: 60,
      temperature: 0.9,
      messages: [
        { role: "system", content: hookCall.system },
        { role: "user", content: hookCall.prompt },
      ],
    });
    expect(anthropic?.body).toMatchObject({
      model: "claude-haiku-4-5",
      stream: true,
      max_tokens: 60,
      temperature: 0.9,
      system: hookCall.system,
      messages: [{ role: "user", content: hookCall.prompt }],
    });
  });

  it("leaves out what reasoning models reject, and gives them room to think", async () => {
    await router.complete({ model: "openai/gpt-5-mini", ...hookCall });
    await router.complete({ model: "anthropic/claude-opus-5", ...hookCall });
    const [openai, anthropic] = modelCalls();
    expect(openai?.body).not.toHaveProperty("temperature");
    expect(openai?.body).toMatchObject({ reasoning_effort: "low" });
    expect(openai?.body.max_completion_tokens).toBeGreaterThan(1000);
    expect(anthropic?.body).not.toHaveProperty("temperature");
  });

  it("retries a 429 after the time the provider asked for, and says so in the reason", async () => {
    standIn.fault({ api: "openai", status: 429, retryAfterMs: 40 });
    const started = performance.now();
    const completion = await router.complete({ model: "openai/gpt-4o-mini", ...hookCall });
    expect(performance.now() - started).toBeGreaterThanOrEqual(35);
    expect(modelCalls().map((r) => r.status)).toEqual([429, 200]);
    expect(completion).toMatchObject({ provider: "openai", attempts: 2, reason: "primary after 1 retry: rate_limited (HTTP 429)" });
    expect(attempts.map((a) => [a.outcome, a.status, a.next])).toEqual([
      ["rate_limited", 429, "retry"],
      ["ok", undefined, undefined],
    ]);
    expect(attempts[0]?.retryInMs).toBe(40);
  });

  it("retries Anthropic's overloaded (529) too", async () => {
    standIn.fault({ api: "anthropic", status: 529, times: 2 });
    const completion = await router.complete({ model: "anthropic/claude-haiku-4-5", ...hookCall });
    expect(modelCalls().map((r) => r.status)).toEqual([529, 529, 200]);
    expect(completion.reason).toBe("primary after 2 retries: provider_unavailable (HTTP 529)");
  });

  it("falls back to the fallback model when the primary keeps failing with 500, and records why", async () => {
    standIn.fault({ api: "openai", status: 500, times: 3 });
    const completion = await router.complete({ model: "openai/gpt-4o-mini", fallbackModel: "anthropic/claude-haiku-4-5", ...hookCall });
    expect(modelCalls().map((r) => [r.api, r.status])).toEqual([
      ["openai", 500],
      ["openai", 500],
      ["openai", 500],
      ["anthropic", 200],
    ]);
    expect(completion).toMatchObject({
      provider: "anthropic",
      model: "anthropic/claude-haiku-4-5-20251001",
      fallbackFrom: "openai/gpt-4o-mini",
      reason: "fallback: openai/gpt-4o-mini failed with provider_unavailable (HTTP 500) after 3 attempts",
    });
    expect(attempts.map((a) => a.next)).toEqual(["retry", "retry", "fallback", undefined]);
    // The fallback's usage is what is billed, at the fallback's price.
    const served = modelCalls()[3]!;
    expect(completion.usage).toEqual({ inputTokens: served.usage?.input, outputTokens: served.usage?.output });
    expect(completion.costUsd).toBe(costAtPrice(priceOf("anthropic/claude-haiku-4-5")!, completion.usage));
  });

  it("fails over at once when the account is out of quota, since waiting cannot help", async () => {
    standIn.fault({
      api: "openai",
      status: 429,
      type: "insufficient_quota",
      code: "insufficient_quota",
      message: "You exceeded your current quota",
    });
    const completion = await router.complete({ model: "openai/gpt-4o-mini", fallbackModel: "anthropic/claude-haiku-4-5", ...hookCall });
    expect(modelCalls().map((r) => r.status)).toEqual([429, 200]);
    expect(completion.reason).toBe("fallback: openai/gpt-4o-mini failed with quota_exceeded (HTTP 429) after 1 attempt");
    standIn.fault({ api: "openai", status: 429, code: "insufficient_quota", type: "insufficient_quota" });
    await expect(router.complete({ model: "openai/gpt-4o-mini", ...hookCall })).rejects.toMatchObject({
      code: "quota_exceeded",
      retryable: false,
      message: expect.stringMatching(/^OpenAI refused the call: the account is out of credit/),
    });
  });

  it("does not wait out a deadline twice: a timeout goes straight to the fallback", async () => {
    standIn.fault({ api: "openai", delayMs: 2_000 });
    const completion = await router.complete({
      model: "openai/gpt-4o-mini",
      fallbackModel: "anthropic/claude-haiku-4-5",
      timeoutMs: 300,
      ...hookCall,
    });
    expect(completion.reason).toBe("fallback: openai/gpt-4o-mini failed with timeout after 1 attempt");
    expect(completion.latencyMs).toBeGreaterThanOrEqual(300);
  });

  it("restarts the text when a stream breaks after it started, only if the caller can take it back", async () => {
    standIn.fault({ api: "openai", midStream: { afterChunks: 2, mode: "error-event" } });
    const deltas: string[] = [];
    const restarts: string[] = [];
    const completion = await router.complete({
      model: "openai/gpt-4o-mini",
      ...hookCall,
      onDelta: (d) => deltas.push(d),
      onRestart: ({ reason }) => {
        restarts.push(reason);
        deltas.length = 0;
      },
    });
    expect(restarts).toEqual(["retrying openai/gpt-4o-mini after provider_unavailable"]);
    expect(deltas.join("")).toBe(completion.text);
    expect(completion.reason).toBe("primary after 1 retry: provider_unavailable");

    // Without onRestart, replaying would duplicate text the caller already showed: fail instead.
    standIn.fault({ api: "anthropic", midStream: { afterChunks: 1, mode: "disconnect" } });
    const shown: string[] = [];
    await expect(
      router.complete({ model: "anthropic/claude-haiku-4-5", ...hookCall, onDelta: (d) => shown.push(d) }),
    ).rejects.toMatchObject({
      code: "provider_unavailable",
    });
    expect(shown).toHaveLength(1);
  });

  it("fails a rejected key with a message people can act on, without retrying, falling back or echoing the key", async () => {
    const wrong = createLlmRouter({
      providers: {
        openai: createOpenAiProvider({ apiKey: "ta-wrong-openai-key-0001", baseURL: standIn.openaiBaseUrl }),
        anthropic: createAnthropicProvider({ apiKey: "ta-wrong-anthropic-key-0002", baseURL: standIn.anthropicBaseUrl }),
      },
      retry: { baseDelayMs: 1 },
    });
    const openai = await wrong
      .complete({ model: "openai/gpt-4o-mini", fallbackModel: "anthropic/claude-haiku-4-5", ...hookCall })
      .catch((e) => e);
    expect(openai).toBeInstanceOf(LlmError);
    expect(openai).toMatchObject({ code: "auth_failed", retryable: false, status: 401, provider: "openai" });
    expect(openai.message).toBe("OpenAI rejected the API key (401): set a valid OPENAI_API_KEY");
    const anthropic = await wrong.complete({ model: "anthropic/claude-haiku-4-5", ...hookCall }).catch((e) => e);
    expect(anthropic.message).toBe("Anthropic rejected the API key (401): set a valid ANTHROPIC_API_KEY");
    expect(standIn.requests.map((r) => r.status)).toEqual([401, 401]);
    for (const err of [openai, anthropic]) {
      const everything = JSON.stringify({ message: err.message, stack: err.stack, ...err });
      expect(everything).not.toMatch(/ta-wrong|\*\*\*/);
    }
  });

  it("names unknown models and bad requests, scrubbing any key a proxy echoes", async () => {
    standIn.fault({ api: "anthropic", status: 404 });
    await expect(router.complete({ model: "anthropic/claude-nope", ...hookCall })).rejects.toMatchObject({
      code: "unknown_model",
      message: expect.stringMatching(/^Anthropic does not know model anthropic\/claude-nope \(404\)/),
    });
    standIn.fault({ api: "openai", status: 400, message: `temperature is out of range; your key ${KEYS.openai} was fine` });
    const err = await router.complete({ model: "openai/gpt-4o-mini", ...hookCall }).catch((e) => e);
    expect(err).toMatchObject({ code: "bad_request", retryable: false });
    expect(err.message).toMatch(/^OpenAI rejected the request to openai\/gpt-4o-mini \(400\): temperature is out of range/);
    noKeyIn(err.message);
  });

  it("says where it could not connect", async () => {
    const port = await closedPort();
    const unreachable = createLlmRouter({
      providers: { openai: createOpenAiProvider({ apiKey: KEYS.openai, baseURL: `http://127.0.0.1:${port}/v1` }) },
      retry: { maxRetries: 1, baseDelayMs: 1 },
    });
    await expect(unreachable.complete({ model: "openai/gpt-4o-mini", ...hookCall })).rejects.toMatchObject({
      code: "provider_unavailable",
      attempts: 2,
      message: `could not reach OpenAI at http://127.0.0.1:${port}/v1: ECONNREFUSED`,
    });
  });

  it("reports both failures when the fallback fails too, keeping the primary's verdict", async () => {
    standIn.fault({ api: "openai", status: 503, times: 3 });
    standIn.fault({ api: "anthropic", status: 401 });
    const err = await router
      .complete({ model: "openai/gpt-4o-mini", fallbackModel: "anthropic/claude-haiku-4-5", ...hookCall })
      .catch((e) => e);
    expect(err).toMatchObject({ code: "provider_unavailable", retryable: true, model: "openai/gpt-4o-mini" });
    expect(err.message).toMatch(
      /OpenAI failed to serve openai\/gpt-4o-mini \(503\).*fallback anthropic\/claude-haiku-4-5 failed too: Anthropic rejected the API key/,
    );
  });

  it("never falls back to a provider without a key, nor to the same model", async () => {
    const openaiOnly = createLlmRouter({
      providers: { openai: createOpenAiProvider({ apiKey: KEYS.openai, baseURL: standIn.openaiBaseUrl }) },
      retry: { maxRetries: 0 },
    });
    standIn.fault({ api: "openai", status: 500, times: 2 });
    await expect(
      openaiOnly.complete({ model: "openai/gpt-4o-mini", fallbackModel: "anthropic/claude-haiku-4-5", ...hookCall }),
    ).rejects.toMatchObject({
      code: "provider_unavailable",
    });
    await expect(
      openaiOnly.complete({ model: "openai/gpt-4o-mini", fallbackModel: "openai/gpt-4o-mini", ...hookCall }),
    ).rejects.toMatchObject({
      code: "provider_unavailable",
    });
    expect(standIn.requests).toHaveLength(2);
  });
});

describe("OpenAI moderation", () => {
  const moderator = () => createOpenAiModerator({ apiKey: KEYS.openai, baseURL: standIn.openaiBaseUrl, retry: { baseDelayMs: 1 } });

  it("returns the flagged categories per text", async () => {
    const result = await moderator().moderate(["A kind hook", "This body should flag-me for review"]);
    expect(result).toMatchObject({
      provider: "openai",
      model: "openai/omni-moderation-2024-09-26",
      costUsd: 0,
      reason: "primary",
      results: [
        { flagged: false, categories: [] },
        { flagged: true, categories: ["harassment", "violence"] },
      ],
    });
    expect(standIn.requests[0]).toMatchObject({ api: "moderation", auth: "bearer", body: { model: "omni-moderation-latest" } });
  });

  it("retries like any model call and fails loudly when moderation cannot be had", async () => {
    standIn.fault({ api: "moderation", status: 500 });
    expect((await moderator().moderate(["fine"])).reason).toBe("primary after 1 retry: provider_unavailable (HTTP 500)");
    standIn.fault({ api: "moderation", status: 500, times: 3 });
    await expect(moderator().moderate(["fine"])).rejects.toMatchObject({ code: "provider_unavailable", attempts: 3 });
  });
});
