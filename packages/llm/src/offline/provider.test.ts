import { HOOK_STYLES, hookStyleMarkers, SEEDED_HOOK_STYLE_IDS, Temperament } from "@threads-agent/contracts";
import { describe, expect, it } from "vitest";
import { LlmError } from "../errors.ts";
import { estimatePromptTokens, estimateTokens } from "../tokens.ts";
import type { CallPurpose, ProviderRequest } from "../types.ts";
import { createOfflineProvider } from "./provider.ts";
import { draftOffline, HOOK_TARGET_CHARS, styleFromPrompt } from "./writer.ts";

const input = "AI agents are replacing junior developers at startups";
const purpose = (step: string, temperament: Temperament = "hype", extra: Partial<CallPurpose> = {}): CallPurpose => ({
  step,
  persona: { id: `p-${temperament}`, name: "Test", temperament },
  input,
  taskType: "trend",
  ...extra,
});
const request = (over: Partial<ProviderRequest> = {}): ProviderRequest => ({
  model: "hook",
  prompt: `Write a hook about: ${input}`,
  signal: new AbortController().signal,
  purpose: purpose("hook"),
  ...over,
});

describe("offline provider", () => {
  const provider = createOfflineProvider();

  it("gives the same text for the same persona, step and input", async () => {
    const a = await provider.complete(request());
    const b = await provider.complete(request());
    expect(a.text).toBe(b.text);
    expect(a.text.length).toBeGreaterThan(20);
  });

  it("writes from the input's key phrases in the persona's temperament", async () => {
    const texts = new Set<string>();
    for (const temperament of Temperament.options) {
      const hook = await provider.complete(request({ purpose: purpose("hook", temperament) }));
      expect(hook.text).toMatch(/AI agents|junior developers|startups/);
      expect(hook.text.length).toBeLessThanOrEqual(HOOK_TARGET_CHARS);
      expect(hook.text).not.toMatch(/[{}]/);
      texts.add(hook.text);
    }
    // Five temperaments, five different voices.
    expect(texts.size).toBe(5);
  });

  it("writes a body of two to four sentences that mentions the topic", async () => {
    const body = await provider.complete(request({ purpose: purpose("body", "kind") }));
    const sentences = body.text.split(/(?<=[.!?])\s+/);
    expect(sentences.length).toBeGreaterThanOrEqual(2);
    expect(sentences.length).toBeLessThanOrEqual(5);
    expect(body.text).toMatch(/AI agents|junior developers/);
  });

  it("answers a pain statement to the person", async () => {
    const texts = await Promise.all(
      Temperament.options.map((t) =>
        provider.complete(request({ purpose: purpose("hook", t, { input: "I can't sleep because of my job", taskType: "pain" }) })),
      ),
    );
    expect(texts.some((t) => t.text.includes("you can't sleep because of your job"))).toBe(true);
  });

  it("differs between personas and inputs", async () => {
    const a = await provider.complete(request({ purpose: purpose("body", "kind") }));
    const b = await provider.complete(request({ purpose: { ...purpose("body", "kind"), input: "Quantum computers crack encryption" } }));
    expect(a.text).not.toBe(b.text);
  });

  it("streams word by word; the deltas add up to the text", async () => {
    const deltas: string[] = [];
    const result = await provider.complete(request({ purpose: purpose("body"), onDelta: (d) => deltas.push(d) }));
    expect(deltas.length).toBeGreaterThan(10);
    expect(deltas.join("")).toBe(result.text);
    expect(deltas.every((d) => d.trim().split(/\s+/).length === 1)).toBe(true);
  });

  it("estimates tokens at about four characters each", async () => {
    const result = await provider.complete(request({ system: "You are a test.", purpose: purpose("body") }));
    expect(result.usage.outputTokens).toBe(estimateTokens(result.text));
    expect(result.usage.outputTokens).toBe(Math.ceil(result.text.length / 4));
    expect(result.usage.inputTokens).toBe(estimatePromptTokens("You are a test.", request().prompt));
  });

  it("stops at maxTokens on a word boundary", async () => {
    const result = await provider.complete(request({ purpose: purpose("body"), maxTokens: 10 }));
    expect(result.finishReason).toBe("length");
    expect(result.text.length).toBeLessThanOrEqual(40);
    const full = await provider.complete(request({ purpose: purpose("body") }));
    expect(full.text.startsWith(result.text)).toBe(true);
    expect(full.finishReason).toBe("stop");
  });

  it("paces the stream when asked and stops when aborted", async () => {
    const slow = createOfflineProvider({ streamDelayMs: 20 });
    const controller = new AbortController();
    const deltas: string[] = [];
    const started = Date.now();
    const call = slow.complete(
      request({
        purpose: purpose("body"),
        signal: controller.signal,
        onDelta: (d) => {
          deltas.push(d);
          if (deltas.length === 3) controller.abort();
        },
      }),
    );
    await expect(call).rejects.toMatchObject({ code: "aborted" });
    await expect(call).rejects.toBeInstanceOf(LlmError);
    expect(deltas).toHaveLength(3);
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
  });

  it("writes neutral prose for other steps and without a purpose", async () => {
    const result = await provider.complete(request({ purpose: undefined, prompt: "Summarise the new billing service rollout" }));
    expect(result.text).toMatch(/billing service|rollout/);
  });

  it("writes each seeded hook style with its marker, for every temperament", async () => {
    for (const temperament of Temperament.options) {
      for (const id of SEEDED_HOOK_STYLE_IDS) {
        const hook = await provider.complete(request({ purpose: purpose("hook", temperament, { hookStyle: id }) }));
        expect(HOOK_STYLES[id].marker.test(hook.text), `${temperament} ${id}: ${hook.text}`).toBe(true);
        expect(hook.text.length).toBeLessThanOrEqual(HOOK_TARGET_CHARS);
      }
    }
  });

  it("writes a style without any noun phrase to work with", async () => {
    for (const id of SEEDED_HOOK_STYLE_IDS) {
      const hook = await provider.complete(request({ purpose: purpose("hook", "kind", { hookStyle: id, input: "?!? ..." }) }));
      expect(HOOK_STYLES[id].marker.test(hook.text), hook.text).toBe(true);
    }
  });

  it("reads the style from the prompt's Style: line when the purpose does not say", async () => {
    expect(styleFromPrompt("Write a hook about: X\n\nStyle: how_to. Start the hook with How to")).toBe("how_to");
    expect(styleFromPrompt("Write a hook about: the style of Paris")).toBeNull();
    const hook = await provider.complete(
      request({ purpose: { step: "hook", persona: purpose("hook").persona! }, prompt: `${input}\n\nStyle: question` }),
    );
    expect(hook.text).toMatch(/\?$/);
    // The style line is an instruction, not part of the input the text is written from.
    expect(hook.text).not.toMatch(/[Ss]tyle/);
  });

  it("answers an unknown (persona-defined) style with a neutral hook, and no style as before", () => {
    for (const temperament of Temperament.options) {
      const unknown = draftOffline(purpose("hook", temperament, { hookStyle: "myth_busting" }), "");
      expect(unknown.style).toBeNull();
      expect(hookStyleMarkers(unknown.text)).toEqual([]);
      const plain = draftOffline(purpose("hook", temperament), "");
      expect(plain.style).toBeNull();
      expect(draftOffline(purpose("hook", temperament), "").text).toBe(plain.text);
    }
  });

  it("reports the noun phrases it put in", () => {
    const draft = draftOffline(purpose("body", "kind"), "");
    expect(draft.phrases.length).toBeGreaterThan(0);
    for (const phrase of draft.phrases) expect(draft.text.toLowerCase()).toContain(phrase.toLowerCase());
  });
});
