import { describe, expect, it } from "vitest";
import { LlmError } from "./errors.ts";
import { createLlmRouter, isUsableKey } from "./router.ts";
import type { LlmProvider } from "./types.ts";

const purpose = { step: "hook", persona: { id: "ai-elon", name: "AI Elon", temperament: "hype" as const }, input: "Reusable rockets" };

describe("LLM router", () => {
  it("serves offline models offline, at no cost", async () => {
    const router = createLlmRouter();
    const result = await router.complete({ model: "offline/hook", prompt: "Write a hook", purpose });
    expect(result).toMatchObject({
      provider: "offline",
      model: "offline/hook",
      requestedModel: "offline/hook",
      costUsd: 0,
      reason: "primary",
    });
    expect(result.text).toMatch(/[Rr]eusable rockets/);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
  });

  it("stands in offline for a provider without a key, and says so", async () => {
    const router = createLlmRouter();
    const result = await router.complete({ model: "openai/gpt-4o-mini", prompt: "Write a hook", purpose });
    expect(result).toMatchObject({ provider: "offline", model: "offline/gpt-4o-mini", costUsd: 0 });
    expect(result.reason).toBe("offline: no openai key configured");
  });

  it("routes to a configured provider and prices the model that served", async () => {
    const fake: LlmProvider = {
      name: "openai",
      complete: async (request) => {
        request.onDelta?.("Hello");
        return {
          text: "Hello",
          model: `${request.model}-2024-07-18`,
          usage: { inputTokens: 1000, outputTokens: 1000 },
          finishReason: "stop",
        };
      },
    };
    const router = createLlmRouter({ providers: { openai: fake }, now: () => new Date("2026-11-21T12:00:00Z") });
    const deltas: string[] = [];
    const result = await router.complete({ model: "gpt-4o-mini", prompt: "hi", onDelta: (d) => deltas.push(d) });
    expect(result).toMatchObject({
      provider: "openai",
      model: "openai/gpt-4o-mini-2024-07-18",
      costUsd: 0.00075,
      priceVersion: "2026-11-21",
    });
    expect(deltas).toEqual(["Hello"]);
  });

  it("turns timeouts, aborts and provider failures into LlmErrors", async () => {
    const hang: LlmProvider = {
      name: "anthropic",
      complete: (request) =>
        new Promise((_, reject) => request.signal.addEventListener("abort", () => reject(new Error("socket closed")), { once: true })),
    };
    const broken: LlmProvider = {
      name: "openai",
      complete: async () => {
        throw new Error("boom");
      },
    };
    const router = createLlmRouter({ providers: { anthropic: hang, openai: broken }, retry: { baseDelayMs: 1 } });
    await expect(router.complete({ model: "anthropic/claude-haiku-4-5", prompt: "x", timeoutMs: 30 })).rejects.toMatchObject({
      code: "timeout",
      retryable: true,
    });
    const controller = new AbortController();
    const call = router.complete({ model: "anthropic/claude-haiku-4-5", prompt: "x", signal: controller.signal });
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: "aborted", retryable: false });
    await expect(router.complete({ model: "openai/gpt-4o", prompt: "x" })).rejects.toMatchObject({
      code: "provider_error",
      retryable: true,
      attempts: 3,
    });
  });

  it("prices each call with the table in force when it finished", async () => {
    const fake: LlmProvider = {
      name: "openai",
      complete: async (request) => ({
        text: "x",
        model: request.model,
        usage: { inputTokens: 1_000_000, outputTokens: 0 },
        finishReason: "stop",
      }),
    };
    const then = createLlmRouter({ providers: { openai: fake }, now: () => new Date("2026-01-01T00:00:00Z") });
    expect(await then.complete({ model: "openai/gpt-4o-mini", prompt: "x" })).toMatchObject({ priceVersion: "2025-11-01", costUsd: 0.15 });
    // A model the table does not know is recorded at 0 with no price version, so it can be found and priced later.
    expect(await then.complete({ model: "openai/gpt-9", prompt: "x" })).toMatchObject({ priceVersion: null, costUsd: 0 });
  });

  it("does not retry what cannot succeed, and gives up on aborts at once", async () => {
    let calls = 0;
    const rejecting: LlmProvider = {
      name: "openai",
      complete: async () => {
        calls++;
        throw new LlmError("auth_failed", "OpenAI rejected the API key (401): set a valid OPENAI_API_KEY", { status: 401 });
      },
    };
    const router = createLlmRouter({ providers: { openai: rejecting }, retry: { baseDelayMs: 1 } });
    await expect(router.complete({ model: "openai/gpt-4o-mini", prompt: "x", fallbackModel: "offline/hook" })).rejects.toMatchObject({
      code: "auth_failed",
      attempts: 1,
    });
    expect(calls).toBe(1);
  });

  it("rejects unknown models before calling anything", async () => {
    const router = createLlmRouter();
    await expect(router.complete({ model: "mistral/large", prompt: "x" })).rejects.toBeInstanceOf(LlmError);
    expect(() => router.route("nope")).toThrow(/provider\/model/);
  });

  it("treats a missing or 'test' key as no key", () => {
    expect(isUsableKey(undefined)).toBe(false);
    expect(isUsableKey("")).toBe(false);
    expect(isUsableKey("test")).toBe(false);
    expect(isUsableKey("sk-live-123")).toBe(true);
  });
});
