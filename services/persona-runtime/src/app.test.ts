import { GenerateFrame, type GenerateRequest, newId, type PersonaSpec, THREADS_MAX_CHARS, threadsLength } from "@threads-agent/contracts";
import { DEFAULT_PERSONAS } from "@threads-agent/db";
import {
  createLlmRouter,
  LlmError,
  type LlmProvider,
  type LlmRouter,
  type ModerationVerdict,
  type Moderator,
  type ProviderCompletion,
  type ProviderRequest,
} from "@threads-agent/llm";
import { createLogger, createMetrics } from "@threads-agent/observability";
import { type Listening, listen, waitFor } from "@threads-agent/testing";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "./app.ts";
import { configSchema } from "./config.ts";
import { TEMPERAMENT_VOICES } from "./prompts.ts";

const servers: Listening[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(options: { llm?: LlmRouter; env?: Record<string, string>; moderator?: Moderator } = {}) {
  const config = configSchema.parse(options.env ?? {});
  const app = buildApp({
    config,
    logger: createLogger({ service: "persona-runtime", level: "silent" }),
    metrics: createMetrics("persona-runtime"),
    llm: options.llm ?? createLlmRouter(),
    moderator: options.moderator ?? null,
  });
  const server = await listen(app);
  servers.push(server);
  return server;
}

const persona = (id: string): PersonaSpec => DEFAULT_PERSONAS.find((p) => p.id === id)!;
const request = (over: Partial<GenerateRequest> = {}): GenerateRequest => ({
  task_id: newId(),
  persona: persona("ai-elon"),
  input: "AI agents are replacing junior developers at startups",
  task_type: "trend",
  ...over,
});

async function generate(url: string, body: unknown, init: RequestInit = {}) {
  const res = await fetch(`${url}/v1/generate`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
    ...init,
  });
  const raw = await res.text();
  const frames = res.headers.get("content-type")?.startsWith("application/x-ndjson")
    ? raw
        .split("\n")
        .filter(Boolean)
        .map((line) => GenerateFrame.parse(JSON.parse(line)))
    : [];
  return { res, raw, frames };
}

const terminal = (frames: GenerateFrame[]) => frames.filter((f) => f.type === "result" || f.type === "blocked" || f.type === "error");

/** A provider scripted per step, standing in for a vendor so tests control the model's words. */
function scriptedProvider(
  name: "openai" | "anthropic",
  texts: { hook?: string; body?: string },
  // May return overrides of the completion (finish reason, usage); may throw to fail the call.
  onCall?: (request: ProviderRequest) => unknown,
): LlmProvider {
  return {
    name,
    async complete(req) {
      const override = (await onCall?.(req)) as Partial<ProviderCompletion> | undefined;
      const text = req.purpose?.step === "hook" ? (texts.hook ?? "A scripted hook") : (texts.body ?? "A scripted body.");
      for (const word of text.match(/\S+\s*/g) ?? []) req.onDelta?.(word);
      return { text, model: req.model, usage: { inputTokens: 10, outputTokens: 20 }, finishReason: "stop", ...override };
    },
  };
}
function scripted(texts: { hook?: string; body?: string }, onCall?: Parameters<typeof scriptedProvider>[2]): LlmRouter {
  return createLlmRouter({ providers: { openai: scriptedProvider("openai", texts, onCall) }, retry: { baseDelayMs: 1 } });
}
/** A moderator that flags what the test says, and counts its calls. */
function fakeModerator(verdict: (text: string) => ModerationVerdict | Error): Moderator & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    model: "openai/omni-moderation-latest",
    calls,
    async moderate(texts) {
      calls.push(texts);
      const results = texts.map(verdict);
      const failure = results.find((r) => r instanceof Error);
      if (failure) throw failure;
      return {
        provider: "openai",
        model: "openai/omni-moderation-2024-09-26",
        results: results as ModerationVerdict[],
        latencyMs: 4,
        attempts: 1,
        costUsd: 0,
        reason: "primary",
      };
    },
  };
}
const scriptedPersona = (): PersonaSpec => ({ ...persona("ai-elon"), hook_model: "openai/gpt-4o-mini", body_model: "openai/gpt-4o-mini" });

describe("POST /v1/generate", () => {
  for (const [id, emoji] of [
    ["ai-jesus", "🙏"],
    ["ai-elon", "🚀"],
  ] as const) {
    it(`streams the whole pipeline for ${id}`, async () => {
      const { url } = await start();
      const { res, frames } = await generate(url, request({ persona: persona(id) }));
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^application\/x-ndjson/);

      // Every step starts and completes, in graph order; deltas only while hook and body stream.
      const progress = frames.filter((f) => f.type === "step.started" || f.type === "step.completed").map((f) => `${f.type}:${f.step}`);
      expect(progress).toEqual(
        ["ingest", "hook", "body", "guardrail", "format"].flatMap((s) => [`step.started:${s}`, `step.completed:${s}`]),
      );
      for (const step of ["hook", "body"] as const) {
        const start = frames.findIndex((f) => f.type === "step.started" && f.step === step);
        const end = frames.findIndex((f) => f.type === "step.completed" && f.step === step);
        const deltas = frames.slice(start + 1, end);
        expect(deltas.length).toBeGreaterThan(3);
        expect(deltas.every((f) => f.type === "step.delta" && f.step === step)).toBe(true);
      }
      expect(frames.filter((f) => f.type === "step.delta" && !["hook", "body"].includes(f.step))).toEqual([]);

      const result = frames.at(-1)!;
      expect(terminal(frames)).toEqual([result]);
      if (result.type !== "result") throw new Error(`expected a result, got ${JSON.stringify(result)}`);
      expect(result.text).toBe(`${emoji} ${result.hook} ${emoji}\n\n${result.body}`);
      expect(threadsLength(result.text)).toBeLessThanOrEqual(THREADS_MAX_CHARS);
      expect(result.text).toContain(result.hook);
      // The streamed words are the hook that was posted.
      const hookDeltas = frames
        .filter((f) => f.type === "step.delta" && f.step === "hook")
        .map((f) => (f.type === "step.delta" ? f.text : ""));
      expect(hookDeltas.join("")).toBe(result.hook);
      expect(result.text).toMatch(/AI agents|junior developers/);

      expect(result.calls.map((c) => [c.step, c.provider, c.model, c.cost_usd, c.reason])).toEqual([
        ["hook", "offline", "offline/hook", 0, "primary"],
        ["body", "offline", "offline/body", 0, "primary"],
      ]);
      for (const call of result.calls) {
        const completed = frames.find((f) => f.type === "step.completed" && f.step === call.step);
        expect(completed).toMatchObject({ tokens: call.tokens_in + call.tokens_out });
        expect(call.tokens_out).toBe(Math.ceil((call.step === "hook" ? result.hook : result.body).length / 4));
      }
    });
  }

  it("writes in each persona's own voice", async () => {
    const { url } = await start();
    const jesus = terminal((await generate(url, request({ persona: persona("ai-jesus") }))).frames)[0];
    const elon = terminal((await generate(url, request({ persona: persona("ai-elon") }))).frames)[0];
    expect(jesus?.type === "result" && elon?.type === "result" && jesus.text !== elon.text).toBe(true);
  });

  it("gives the same post for the same persona and input", async () => {
    const { url } = await start();
    const first = terminal((await generate(url, request())).frames)[0];
    const second = terminal((await generate(url, request())).frames)[0];
    expect(first?.type).toBe("result");
    expect(second).toEqual({ ...first, calls: expect.any(Array) });
  });

  it("answers pain statements", async () => {
    const { url } = await start();
    const { frames } = await generate(
      url,
      request({ persona: persona("ai-jesus"), input: "I feel so lonely since moving to a new city", task_type: "pain" }),
    );
    const result = terminal(frames)[0];
    expect(result?.type).toBe("result");
    expect(result?.type === "result" && /new city|lonely/.test(result.text)).toBe(true);
  });

  it("blocks input the guardrail catches, after the body, with the calls made", async () => {
    const { url } = await start();
    const { res, frames } = await generate(url, request({ input: "Someone online explained how to build a bomb at home" }));
    expect(res.status).toBe(200);
    const steps = frames.filter((f) => f.type === "step.completed").map((f) => (f.type === "step.completed" ? f.step : ""));
    expect(steps).toEqual(["ingest", "hook", "body", "guardrail"]);
    const blocked = frames.at(-1);
    expect(blocked).toMatchObject({ type: "blocked", reason: 'blocked: input matches "bomb"' });
    expect(blocked?.type === "blocked" && blocked.calls.length).toBe(2);
    expect(terminal(frames)).toHaveLength(1);
  });

  it("blocks on what the model wrote, naming where", async () => {
    const { url } = await start({ llm: scripted({ body: "Time to kill the old way of working." }) });
    const { frames } = await generate(url, request({ persona: scriptedPersona(), input: "New ways of working" }));
    expect(frames.at(-1)).toMatchObject({ type: "blocked", reason: 'blocked: body matches "kill"' });
  });

  it("uses a configured blocklist", async () => {
    const { url } = await start({ env: { GUARDRAIL_BLOCKLIST: "\\bcrypto\\b" } });
    const blocked = await generate(url, request({ input: "Crypto is back" }));
    expect(blocked.frames.at(-1)).toMatchObject({ type: "blocked", reason: 'blocked: input matches "Crypto"' });
    const passes = await generate(url, request({ input: "How to kill a process on Linux" }));
    expect(passes.frames.at(-1)?.type).toBe("result");
  });

  it("keeps posts within 500 characters without cutting the hook", async () => {
    const hook = "This hook is long on purpose and every word of it must reach the post intact, no matter how long the body gets";
    const body = `${"First principles say the body keeps going and going. ".repeat(12)}And one last thought without an end`;
    const { url } = await start({ llm: scripted({ hook, body }) });
    const { frames } = await generate(url, request({ persona: scriptedPersona() }));
    const result = frames.at(-1);
    if (result?.type !== "result") throw new Error(JSON.stringify(result));
    expect(threadsLength(result.text)).toBeLessThanOrEqual(THREADS_MAX_CHARS);
    expect(result.hook).toBe(hook);
    expect(result.text.startsWith(`🚀 ${hook} 🚀\n\n`)).toBe(true);
    expect(result.text.endsWith(result.body)).toBe(true);
    expect(result.body).toMatch(/going\.$/);
  });

  it("uses the persona's models, served offline when the provider has no key", async () => {
    const { url } = await start();
    const { frames } = await generate(url, request({ persona: { ...persona("ai-jesus"), hook_model: "openai/gpt-4o-mini" } }));
    const result = frames.at(-1);
    expect(result?.type === "result" && result.calls.map((c) => [c.model, c.reason])).toEqual([
      ["offline/gpt-4o-mini", "offline: no openai key configured"],
      ["offline/body", "primary"],
    ]);
  });

  it("reports a model failure as a retryable error frame", async () => {
    const llm = scripted({}, () => {
      throw new LlmError("rate_limited", "openai/gpt-4o-mini answered 429", { provider: "openai" });
    });
    const { url } = await start({ llm });
    const { res, frames } = await generate(url, request({ persona: scriptedPersona() }));
    expect(res.status).toBe(200);
    expect(frames.at(-1)).toEqual({ type: "error", code: "llm_rate_limited", message: "openai/gpt-4o-mini answered 429", retryable: true });
    expect(terminal(frames)).toHaveLength(1);
  });

  it("writes the hook style the request asks for, offline", async () => {
    const { url } = await start();
    for (const [style, marker] of [
      ["question", /\?$/],
      ["bold_number", /^\d/],
      ["contrarian", /^(?:Unpopular opinion|Hot take):/],
      ["short_story", /^(?:Yesterday|Last week|Last night|This morning|Years ago)\b/],
      ["how_to", /^(?:How to|Here's how)\b/],
    ] as const) {
      for (const id of ["ai-jesus", "ai-elon"]) {
        const { frames } = await generate(url, request({ persona: persona(id), hook_style: style }));
        const result = frames.at(-1);
        expect(result?.type === "result" && result.hook, `${id} ${style}`).toMatch(marker);
      }
    }
  });

  it("tells a real model the style in a Style: line, and says nothing without one", async () => {
    const hookCalls: ProviderRequest[] = [];
    const llm = scripted({}, (req) => void (req.purpose?.step === "hook" && hookCalls.push(req)));
    const { url } = await start({ llm });
    await generate(url, request({ persona: scriptedPersona(), hook_style: "contrarian" }));
    await generate(url, request({ persona: scriptedPersona(), hook_style: "myth_busting" }));
    await generate(url, request({ persona: scriptedPersona() }));
    const [contrarian, custom, none] = hookCalls;
    expect(contrarian?.prompt).toMatch(/\n\nStyle: contrarian\. Start the hook with "Unpopular opinion:" or "Hot take:"/);
    expect(contrarian?.purpose?.hookStyle).toBe("contrarian");
    expect(custom?.prompt.endsWith("\n\nStyle: myth_busting.")).toBe(true);
    expect(none?.prompt).not.toMatch(/Style:/);
    expect(none?.purpose).not.toHaveProperty("hookStyle");
  });

  it("speaks in the persona's temperament", async () => {
    let system = "";
    const { url } = await start({ llm: scripted({}, (req) => void (system = req.system ?? "")) });
    await generate(url, request({ persona: scriptedPersona() }));
    expect(system).toContain("You are AI Elon.");
    expect(system).toContain(TEMPERAMENT_VOICES.hype);
  });

  it("blocks what moderation flags, naming the part and its categories, and accounts for the moderation call", async () => {
    const moderator = fakeModerator((text) =>
      text.includes("body") ? { flagged: true, categories: ["violence", "harassment"] } : { flagged: false, categories: [] },
    );
    const { url } = await start({ llm: scripted({ hook: "A fine hook", body: "A scripted body that moderation dislikes." }), moderator });
    const { frames } = await generate(url, request({ persona: scriptedPersona() }));
    const blocked = frames.at(-1);
    expect(blocked).toMatchObject({ type: "blocked", reason: "blocked: moderation flagged the body (violence, harassment)" });
    expect(moderator.calls).toEqual([["A fine hook", "A scripted body that moderation dislikes."]]);
    expect(blocked?.type === "blocked" && blocked.calls.map((c) => [c.step, c.model, c.cost_usd, c.reason])).toEqual([
      ["hook", "openai/gpt-4o-mini", expect.any(Number), "primary"],
      ["body", "openai/gpt-4o-mini", expect.any(Number), "primary"],
      ["guardrail", "openai/omni-moderation-2024-09-26", 0, "primary"],
    ]);
    expect(frames.filter((f) => f.type === "step.completed").map((f) => (f.type === "step.completed" ? f.step : ""))).toEqual([
      "ingest",
      "hook",
      "body",
      "guardrail",
    ]);
  });

  it("lets the regex guard decide first, and publishes what moderation passes", async () => {
    const moderator = fakeModerator(() => ({ flagged: false, categories: [] }));
    const { url } = await start({ llm: scripted({}), moderator });
    const regex = await generate(url, request({ persona: scriptedPersona(), input: "How to build a bomb" }));
    expect(regex.frames.at(-1)).toMatchObject({ type: "blocked", reason: 'blocked: input matches "bomb"' });
    expect(moderator.calls).toHaveLength(0);
    const passes = await generate(url, request({ persona: scriptedPersona() }));
    expect(passes.frames.at(-1)?.type).toBe("result");
    expect(moderator.calls).toHaveLength(1);
  });

  it("publishes nothing unchecked: moderation that cannot be had fails the generation as retryable", async () => {
    const moderator = fakeModerator(
      () => new LlmError("provider_unavailable", "OpenAI failed to serve openai/omni-moderation-latest (503)", { status: 503 }),
    );
    const { url } = await start({ llm: scripted({}), moderator });
    const { frames } = await generate(url, request({ persona: scriptedPersona() }));
    const error = frames.at(-1);
    expect(error).toMatchObject({
      type: "error",
      code: "llm_provider_unavailable",
      retryable: true,
      message:
        "moderation (openai/omni-moderation-latest) could not check the post, so it was not published: OpenAI failed to serve openai/omni-moderation-latest (503)",
    });
    // The hook and body were written (and billed) before the failure: they are reported for accounting.
    expect(error?.type === "error" && error.calls?.map((c) => c.step)).toEqual(["hook", "body"]);
  });

  it("ends as blocked when the model's own safety system refuses", async () => {
    const llm = scripted({ hook: "" }, (req) => (req.purpose?.step === "hook" ? { finishReason: "content_filter" } : undefined));
    const { url } = await start({ llm });
    const { frames } = await generate(url, request({ persona: scriptedPersona() }));
    const blocked = frames.at(-1);
    expect(blocked).toMatchObject({ type: "blocked", reason: "blocked: openai/gpt-4o-mini refused to write the hook (content filter)" });
    expect(blocked?.type === "blocked" && blocked.calls.map((c) => c.step)).toEqual(["hook"]);
    expect(frames.some((f) => f.type === "step.started" && f.step === "body")).toBe(false);
  });

  it("reports the calls made before a failure, with a message people can act on", async () => {
    const llm = scripted({}, (req) => {
      if (req.purpose?.step === "body")
        throw new LlmError("auth_failed", "OpenAI rejected the API key (401): set a valid OPENAI_API_KEY", { status: 401 });
    });
    const { url } = await start({ llm });
    const { frames } = await generate(url, request({ persona: scriptedPersona() }));
    expect(frames.at(-1)).toMatchObject({
      type: "error",
      code: "llm_auth_failed",
      retryable: false,
      message: "OpenAI rejected the API key (401): set a valid OPENAI_API_KEY",
      calls: [{ step: "hook", provider: "openai", tokens_in: 10, tokens_out: 20 }],
    });
  });

  it("restarts a step's text when the fallback model takes over a broken stream", async () => {
    const openai: LlmProvider = {
      name: "openai",
      async complete(req) {
        if (req.purpose?.step === "body") return scriptedProvider("openai", {}).complete(req);
        req.onDelta?.("Half a ");
        req.onDelta?.("hook ");
        throw new LlmError("provider_unavailable", "the connection to OpenAI broke while streaming openai/gpt-4o-mini: ECONNRESET");
      },
    };
    const anthropic = scriptedProvider("anthropic", { hook: "A whole hook from Claude" });
    const llm = createLlmRouter({ providers: { openai, anthropic }, retry: { maxRetries: 0 } });
    const { url } = await start({ llm, env: { OPENAI_API_KEY: "k-openai-1234", ANTHROPIC_API_KEY: "k-anthropic-1234" } });
    const { frames } = await generate(url, request({ persona: { ...persona("ai-elon"), hook_model: null, body_model: null } }));
    const hookFrames = frames.filter((f) => "step" in f && f.step === "hook").map((f) => (f.type === "step.delta" ? f.text : f.type));
    expect(hookFrames).toEqual([
      "step.started",
      "Half a ",
      "hook ",
      "step.started",
      "A ",
      "whole ",
      "hook ",
      "from ",
      "Claude",
      "step.completed",
    ]);
    expect(frames.find((f) => f.type === "step.started" && f.reason)).toMatchObject({
      reason: "openai/gpt-4o-mini failed (provider_unavailable); anthropic/claude-haiku-4-5 takes over",
    });
    const result = frames.at(-1);
    expect(result?.type === "result" && result.hook).toBe("A whole hook from Claude");
    expect(result?.type === "result" && result.calls[0]).toMatchObject({
      provider: "anthropic",
      model: "anthropic/claude-haiku-4-5",
      reason: "fallback: openai/gpt-4o-mini failed with provider_unavailable after 1 attempt",
    });
  });

  it("aborts the model call when the client disconnects", async () => {
    let signal: AbortSignal | undefined;
    const llm = scripted({}, async (req) => {
      signal = req.signal;
      await new Promise((resolve) => req.signal.addEventListener("abort", resolve, { once: true }));
    });
    const { url } = await start({ llm });
    const controller = new AbortController();
    const res = await fetch(`${url}/v1/generate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request({ persona: scriptedPersona() })),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read(); // the first frames are out: the hook call is under way
    await waitFor("the hook call to start", () => signal);
    controller.abort();
    await waitFor("the model call to be aborted", () => signal?.aborted, 5000);
  });

  it("exposes step latency and token metrics", async () => {
    const { url } = await start();
    await generate(url, request());
    const metrics = await (await fetch(`${url}/metrics`)).text();
    for (const phase of ["ingest", "hook", "body", "guardrail", "format"]) {
      expect(metrics).toMatch(new RegExp(`request_latency_seconds_count\\{[^}]*phase="${phase}"[^}]*\\} 1`));
    }
    expect(metrics).toMatch(/llm_tokens_total\{[^}]*model="offline\/hook"[^}]*\} \d+/);
    expect(metrics).toMatch(/http_requests_total\{[^}]*route="\/v1\/generate"/);
  });
});

describe("POST /v1/generate with bad input", () => {
  const problem = async (body: unknown, init?: RequestInit) => {
    const { url } = await start();
    const { res, raw } = await generate(url, body, init);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    return { status: res.status, body: JSON.parse(raw) as { detail: string; errors?: { field: string; message: string }[] } };
  };

  it("names the missing and invalid fields", async () => {
    const { status, body } = await problem({
      task_id: "not-a-uuid",
      input: "x",
      persona: { ...persona("ai-elon"), temperament: "grumpy" },
    });
    expect(status).toBe(400);
    expect(body.errors?.map((e) => e.field)).toEqual(expect.arrayContaining(["task_id", "persona.temperament"]));
  });

  it("names a malformed hook style", async () => {
    const { status, body } = await problem(request({ hook_style: "Not a style!" }));
    expect(status).toBe(400);
    expect(body.errors).toEqual([{ field: "hook_style", message: expect.stringMatching(/lowercase letters/) }]);
  });

  it("requires a persona and input", async () => {
    const { status, body } = await problem({ task_id: newId() });
    expect(status).toBe(400);
    expect(body.errors?.map((e) => e.field)).toEqual(expect.arrayContaining(["persona", "input"]));
  });

  it("rejects unusable models, blank input and oversized emoji before streaming", async () => {
    const { status, body } = await problem(
      request({ input: "   \n\t ", persona: { ...persona("ai-elon"), body_model: "mistral/large", emoji: "🚀".repeat(20) } }),
    );
    expect(status).toBe(400);
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { field: "persona.body_model", message: expect.stringMatching(/unknown provider "mistral"/) },
        { field: "input", message: expect.stringMatching(/only whitespace/) },
        { field: "persona.emoji", message: expect.stringMatching(/at most/) },
      ]),
    );
  });

  it("rejects malformed JSON and non-JSON bodies", async () => {
    const malformed = await problem(undefined, { body: "{not json" });
    expect(malformed.status).toBe(400);
    const text = await problem(undefined, { body: "hello", headers: { "content-type": "text/plain" } });
    expect(text.status).toBe(415);
  });
});
