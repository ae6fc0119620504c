// The LLM layer's own overhead per call, and the model cost of a typical post.
//   node bench/llm-overhead.ts [--calls 400] [--warmup 50]
//
// Overhead: the same streamed hook call, made through the LLM layer (router -> official SDK ->
// stand-in) and as a raw fetch of the same request whose body is read to the end, interleaved
// call by call against the local stand-in of the OpenAI and Anthropic APIs (a child process, so
// its work does not share this event loop). The difference is what the layer adds: the SDK's
// request building and SSE parsing, the router's retry loop, deadline and pricing.
//
// Cost: the default model choice priced from the price table for a typical post of the seeded
// personas (prompts as persona-runtime sends them, answers as long as the offline writer's).
import { spawn } from "node:child_process";
import { once } from "node:events";
import readline from "node:readline";
import { parseArgs } from "node:util";
import { DEFAULT_PERSONAS } from "@threads-agent/db";
import {
  costUsd,
  createLlmRouter,
  createProviders,
  DEFAULT_MODELS,
  estimatePromptTokens,
  estimateTokens,
  priceOf,
} from "@threads-agent/llm";
import { fillTemplate, systemPromptFor } from "@threads-agent/persona-runtime";
import { fmt, percentile } from "./stats.ts";

const { values } = parseArgs({ options: { calls: { type: "string", default: "400" }, warmup: { type: "string", default: "50" } } });
const CALLS = Number(values.calls);
const WARMUP = Number(values.warmup);
const KEYS = { openai: "bench-openai-key-0000000000", anthropic: "bench-anthropic-key-000000000" };
const TYPICAL_INPUT = "Reusable rockets now land on ships at sea more often than not, and launch prices keep falling year after year";

// --- the stand-in, in a process of its own -------------------------------------------------------
const standInSource = `
  import { startLlmStandIn } from "@threads-agent/testing/llm-stand-in";
  const s = await startLlmStandIn({ keys: ${JSON.stringify(KEYS)} });
  console.log(JSON.stringify({ openai: s.openaiBaseUrl, anthropic: s.anthropicBaseUrl }));
`;
const child = spawn(process.execPath, ["--input-type=module", "-e", standInSource], {
  cwd: import.meta.dirname,
  stdio: ["ignore", "pipe", "inherit"],
});
const [line] = (await once(readline.createInterface({ input: child.stdout }), "line")) as [string];
const base = JSON.parse(line) as { openai: string; anthropic: string };

const persona = DEFAULT_PERSONAS.find((p) => p.id === "ai-elon") ?? DEFAULT_PERSONAS[0]!;
const system = systemPromptFor(persona);
const prompt = fillTemplate(persona.hook_prompt, { input: TYPICAL_INPUT });
const router = createLlmRouter({
  providers: createProviders({
    openai: { apiKey: KEYS.openai, baseURL: base.openai },
    anthropic: { apiKey: KEYS.anthropic, baseURL: base.anthropic },
  }),
  retry: { maxRetries: 0 },
});

/** The hook call through the LLM layer: the same request for every provider, only the model differs. */
const throughLayer = (model: string) => () =>
  router.complete({ model, system, prompt, maxTokens: 60, temperature: 0.9, timeoutMs: 20_000, onDelta: () => {} });

type Target = { label: string; layer: () => Promise<unknown>; raw: () => Promise<unknown> };
const targets: Target[] = [
  {
    label: "OpenAI chat completions (stream)",
    layer: throughLayer("openai/gpt-4o-mini"),
    raw: async () => {
      const res = await fetch(`${base.openai}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${KEYS.openai}` },
        body: JSON.stringify({
          model: "gpt-4o-mini",
          messages: [
            { role: "system", content: system },
            { role: "user", content: prompt },
          ],
          stream: true,
          stream_options: { include_usage: true },
          max_completion_tokens: 60,
          temperature: 0.9,
        }),
      });
      return res.text();
    },
  },
  {
    label: "Anthropic messages (stream)",
    layer: throughLayer("anthropic/claude-haiku-4-5"),
    raw: async () => {
      const res = await fetch(`${base.anthropic}/v1/messages`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": KEYS.anthropic, "anthropic-version": "2023-06-01" },
        body: JSON.stringify({
          model: "claude-haiku-4-5",
          system,
          messages: [{ role: "user", content: prompt }],
          max_tokens: 60,
          temperature: 0.9,
          stream: true,
        }),
      });
      return res.text();
    },
  },
];

const timed = async (fn: () => Promise<unknown>) => {
  const started = performance.now();
  await fn();
  return performance.now() - started;
};

console.log(`LLM layer overhead: ${CALLS} calls per path after ${WARMUP} warm-up calls, interleaved, one at a time`);
console.log(`Node ${process.version}, stand-in on loopback in a child process\n`);
for (const target of targets) {
  for (let i = 0; i < WARMUP; i++) {
    await target.raw();
    await target.layer();
  }
  const raw: number[] = [];
  const layer: number[] = [];
  const paired: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    // Alternate which goes first, so neither always gets the warmer connection.
    let r: number;
    let l: number;
    if (i % 2 === 0) {
      r = await timed(target.raw);
      l = await timed(target.layer);
    } else {
      l = await timed(target.layer);
      r = await timed(target.raw);
    }
    raw.push(r);
    layer.push(l);
    paired.push(l - r);
  }
  const p = (xs: number[], q: number) => fmt(percentile(xs, q), 2);
  console.log(target.label);
  console.log(`  raw fetch (baseline):  p50 ${p(raw, 50)} ms   p95 ${p(raw, 95)} ms`);
  console.log(`  through the LLM layer: p50 ${p(layer, 50)} ms   p95 ${p(layer, 95)} ms`);
  console.log(`  overhead per call:     p50 ${p(paired, 50)} ms   p95 ${p(paired, 95)} ms   (paired differences)\n`);
}

child.kill("SIGTERM");

// --- cost per post -------------------------------------------------------------------------------
const offline = createLlmRouter();
type Estimate = { hookIn: number; hookOut: number; bodyIn: number; bodyOut: number };
const estimates: Estimate[] = [];
for (const p of DEFAULT_PERSONAS) {
  const sys = systemPromptFor(p);
  const hookPrompt = fillTemplate(p.hook_prompt, { input: TYPICAL_INPUT });
  const purpose = { persona: { id: p.id, name: p.name, temperament: p.temperament }, input: TYPICAL_INPUT, taskType: "trend" as const };
  const hook = await offline.complete({
    model: "offline/hook",
    system: sys,
    prompt: hookPrompt,
    maxTokens: 60,
    purpose: { step: "hook", ...purpose },
  });
  const bodyPrompt = fillTemplate(p.body_prompt, { input: TYPICAL_INPUT, hook: hook.text });
  const body = await offline.complete({
    model: "offline/body",
    system: sys,
    prompt: bodyPrompt,
    maxTokens: 220,
    purpose: { step: "body", hook: hook.text, ...purpose },
  });
  estimates.push({
    hookIn: estimatePromptTokens(sys, hookPrompt),
    hookOut: estimateTokens(hook.text),
    bodyIn: estimatePromptTokens(sys, bodyPrompt),
    bodyOut: estimateTokens(body.text),
  });
}
const mean = (pick: (e: Estimate) => number) => Math.round(estimates.reduce((s, e) => s + pick(e), 0) / estimates.length);
const typical: Estimate = {
  hookIn: mean((e) => e.hookIn),
  hookOut: mean((e) => e.hookOut),
  bodyIn: mean((e) => e.bodyIn),
  bodyOut: mean((e) => e.bodyOut),
};
const postCost = (hookModel: string, bodyModel: string) =>
  (costUsd(hookModel, { inputTokens: typical.hookIn, outputTokens: typical.hookOut }) ?? Number.NaN) +
  (costUsd(bodyModel, { inputTokens: typical.bodyIn, outputTokens: typical.bodyOut }) ?? Number.NaN);
const usd = (n: number) => `$${n.toFixed(6)}`;

console.log(
  `Cost per post (price table ${priceOf(DEFAULT_MODELS.openai)?.version}, USD per million tokens, tokens estimated at ~4 characters each)`,
);
console.log(
  `  typical post of the seeded personas: hook ${typical.hookIn} in / ${typical.hookOut} out, body ${typical.bodyIn} in / ${typical.bodyOut} out; moderation is free`,
);
for (const [label, model] of [
  ["default (OpenAI key set)", DEFAULT_MODELS.openai],
  ["default (Anthropic key only) and the fallback", DEFAULT_MODELS.anthropic],
  ["the original threads-agent's gpt-4o", "openai/gpt-4o"],
] as const) {
  const price = priceOf(model);
  const cost = postCost(model, model);
  console.log(
    `  ${label}: ${model} ($${price?.input} in, $${price?.output} out) -> ${usd(cost)} per post, $${(cost * 1000).toFixed(3)} per 1,000 posts`,
  );
}
