// POST /v1/guardrail: the pipeline's guardrail on one text (a reviewer's edit), blocklist then moderation.
import { createLlmRouter, LlmError, type Moderator } from "@threads-agent/llm";
import { createLogger, createMetrics } from "@threads-agent/observability";
import { type Listening, listen } from "@threads-agent/testing";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "./app.ts";
import { configSchema } from "./config.ts";

const servers: Listening[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(moderator: Moderator | null = null) {
  const app = buildApp({
    config: configSchema.parse({}),
    logger: createLogger({ service: "persona-runtime", level: "silent" }),
    metrics: createMetrics("persona-runtime"),
    llm: createLlmRouter(),
    moderator,
  });
  const server = await listen(app);
  servers.push(server);
  return server;
}

const check = async (server: Listening, body: unknown) => {
  const res = await fetch(`${server.url}/v1/guardrail`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};

const moderator = (flagged: boolean | "down"): Moderator => ({
  model: "openai/omni-moderation-latest",
  async moderate(texts) {
    if (flagged === "down") throw new LlmError("timeout", "moderation did not answer", { retryable: true });
    return {
      provider: "openai",
      model: "openai/omni-moderation-2024-09-26",
      results: texts.map(() => ({ flagged, categories: flagged ? ["harassment"] : [] })),
      latencyMs: 1,
      attempts: 1,
      costUsd: 0,
      reason: "primary",
    };
  },
});

describe("POST /v1/guardrail", () => {
  it("passes a clean text and blocks one the blocklist matches, naming the word", async () => {
    const server = await start();
    expect(await check(server, { text: "Rest is part of the work." })).toEqual({ status: 200, body: { allowed: true, reason: null } });
    expect(await check(server, { text: "This will KILL your mornings" })).toEqual({
      status: 200,
      body: { allowed: false, reason: 'blocked: text matches "KILL"' },
    });
  });

  it("asks moderation when it is set, and is a 503 when moderation cannot be had", async () => {
    expect((await check(await start(moderator(false)), { text: "Kind words" })).body).toEqual({ allowed: true, reason: null });
    expect((await check(await start(moderator(true)), { text: "Mean words" })).body).toEqual({
      allowed: false,
      reason: "blocked: moderation flagged the text (harassment)",
    });
    const down = await check(await start(moderator("down")), { text: "Any words" });
    expect(down.status).toBe(503);
    expect(String(down.body.detail)).toMatch(/moderation could not check the text/);
  });

  it("is a 400 naming text for an empty body", async () => {
    const res = await check(await start(), {});
    expect(res.status).toBe(400);
    expect((res.body.errors as { field: string }[]).map((e) => e.field)).toEqual(["text"]);
  });
});
