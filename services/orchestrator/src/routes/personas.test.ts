// Personas as data: create, change and read them through the API; tasks use them at once.
import { randomBytes } from "node:crypto";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTask, type Orchestrator, startOrchestrator } from "../test-fixture.ts";

let o: Orchestrator;

beforeAll(async () => {
  o = await startOrchestrator();
});
afterAll(async () => {
  await o?.close();
});

const uniqueId = (label: string) => `${label}-${randomBytes(3).toString("hex")}`;
const valid = (id: string) => ({
  id,
  name: "AI Stoic",
  emoji: "🏛️",
  temperament: "calm",
  description: "Marcus Aurelius with a Threads account.",
  hook_prompt: "Write one calm opening line (under 90 characters) about: {input}",
  body_prompt: 'Continue the post that opens with "{hook}" in 2-4 short sentences about: {input}. No hashtags.',
});
const send = (method: "POST" | "PATCH", url: string, payload: unknown, headers: Record<string, string> = {}) =>
  o.app.inject({ method, url, headers: { "content-type": "application/json", ...headers }, payload: JSON.stringify(payload) });

function expectProblem(res: LightMyRequestResponse, status: number, fields: string[] = []) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
  const problem = res.json();
  for (const field of fields)
    expect(
      problem.errors?.map((e: { field: string }) => e.field),
      res.body,
    ).toContain(field);
  return problem as { type: string; detail: string; errors?: { field: string; message: string }[] };
}
const messageOf = (problem: { errors?: { field: string; message: string }[] }, field: string) =>
  problem.errors?.find((e) => e.field === field)?.message;

describe("POST /v1/personas", () => {
  it("creates a persona that reads back, lists, and serves tasks at once", async () => {
    const id = uniqueId("ai-stoic");
    const res = await send("POST", "/v1/personas", { ...valid(id), hook_model: "gpt-4o-mini", body_model: " anthropic/claude-haiku-4-5 " });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.headers.location).toBe(`/v1/personas/${id}`);
    const created = res.json();
    expect(created).toMatchObject({
      ...valid(id),
      // Stored canonical: the provider is written out, whitespace trimmed.
      hook_model: "openai/gpt-4o-mini",
      body_model: "anthropic/claude-haiku-4-5",
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect((await o.app.inject({ url: `/v1/personas/${id}` })).json()).toEqual(created);
    const all = (await o.app.inject({ url: "/v1/personas?limit=200" })).json();
    expect(all.items.map((p: { id: string }) => p.id)).toContain(id);
    expect((await createTask(o, { persona_id: id })).status).toBe("queued");
  });

  it("defaults the description to empty and the models to the service's choice", async () => {
    const id = uniqueId("ai-minimal");
    const { description: _d, ...minimal } = valid(id);
    const res = await send("POST", "/v1/personas", minimal);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ description: "", hook_model: null, body_model: null });
  });

  it.each([
    ["a missing name", { name: undefined }, "name", /is required/],
    ["a blank name", { name: "   " }, "name", /must not be empty/],
    ["an id that is not a slug", { id: "AI Stoic!" }, "id", /lowercase/],
    ["an unknown temperament", { temperament: "grumpy" }, "temperament", /kind|hype|calm|witty|blunt/],
    ["a sentence for an emoji", { emoji: "a whole sentence here" }, "emoji", /at most 16 characters|one emoji/],
    ["a hook prompt without {input}", { hook_prompt: "Write something" }, "hook_prompt", /must contain \{input\}/],
    ["a body prompt without {hook}", { body_prompt: "Write more about {input}" }, "body_prompt", /must contain \{hook\}/],
    ["an oversized prompt", { hook_prompt: `{input} ${"x".repeat(4000)}` }, "hook_prompt", /at most 4000 characters/],
    ["a model of an unknown provider", { hook_model: "mistral/large" }, "hook_model", /unknown provider "mistral"/],
    ["a model without its provider", { body_model: "llama3" }, "body_model", /provider\/model/],
    ["an empty model", { hook_model: "" }, "hook_model", /use null/],
    ["an unknown field", { voice: "deep" }, "voice", /unknown field "voice"/],
  ])("rejects %s with 400 naming the field", async (_label, change, field, message) => {
    const problem = expectProblem(await send("POST", "/v1/personas", { ...valid(uniqueId("bad")), ...change }), 400, [field]);
    expect(messageOf(problem, field)).toMatch(message);
  });

  it("refuses an id that exists with 409, pointing at PATCH", async () => {
    const problem = expectProblem(await send("POST", "/v1/personas", valid("ai-jesus")), 409);
    expect(problem.type).toMatch(/persona-exists/);
    expect(problem.detail).toMatch(/PATCH \/v1\/personas\/ai-jesus/);
    expect((await o.app.inject({ url: "/v1/personas/ai-jesus" })).json().name).toBe("AI Jesus");
  });

  it("replays a repeat with the same Idempotency-Key instead of failing, and refuses the key for another body", async () => {
    const id = uniqueId("ai-idem");
    const key = { "idempotency-key": `persona-${id}` };
    const first = await send("POST", "/v1/personas", valid(id), key);
    const again = await send("POST", "/v1/personas", valid(id), key);
    expect([first.statusCode, again.statusCode]).toEqual([201, 201]);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.json()).toEqual(first.json());
    expectProblem(await send("POST", "/v1/personas", { ...valid(id), name: "Someone else" }, key), 422, ["Idempotency-Key"]);
  });
});

describe("PATCH /v1/personas/:id", () => {
  it("changes only what it names; null returns a model to the service's default", async () => {
    const id = uniqueId("ai-patch");
    const created = (await send("POST", "/v1/personas", { ...valid(id), hook_model: "openai/gpt-4o" })).json();
    const res = await send("PATCH", `/v1/personas/${id}`, { temperament: "witty", body_model: "claude-sonnet-4-5" });
    expect(res.statusCode, res.body).toBe(200);
    const changed = res.json();
    expect(changed).toMatchObject({
      ...created,
      temperament: "witty",
      body_model: "anthropic/claude-sonnet-4-5",
      updated_at: expect.any(String),
    });
    expect(Date.parse(changed.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.updated_at));
    const reset = (await send("PATCH", `/v1/personas/${id}`, { hook_model: null })).json();
    expect(reset).toMatchObject({ hook_model: null, body_model: "anthropic/claude-sonnet-4-5", temperament: "witty" });
    expect((await o.app.inject({ url: `/v1/personas/${id}` })).json()).toEqual(reset);
  });

  it("refuses to change the id, an empty change and invalid values, naming the field", async () => {
    const id = uniqueId("ai-strict");
    await send("POST", "/v1/personas", valid(id));
    expect(messageOf(expectProblem(await send("PATCH", `/v1/personas/${id}`, { id: "other" }), 400, ["id"]), "id")).toMatch(
      /cannot be changed/,
    );
    expect(expectProblem(await send("PATCH", `/v1/personas/${id}`, {}), 400).detail).toMatch(/at least one field/);
    expectProblem(await o.app.inject({ method: "PATCH", url: `/v1/personas/${id}` }), 400, ["(body)"]);
    expectProblem(await send("PATCH", `/v1/personas/${id}`, { hook_prompt: "no placeholder" }), 400, ["hook_prompt"]);
    expectProblem(await send("PATCH", `/v1/personas/${id}`, { body_model: "openai/" }), 400, ["body_model"]);
    expectProblem(await send("PATCH", `/v1/personas/${id}`, { temperament: null }), 400, ["temperament"]);
    expect((await o.app.inject({ url: `/v1/personas/${id}` })).json()).toMatchObject(valid(id));
  });

  it("answers 404 for an unknown persona and 400 for a malformed id", async () => {
    expectProblem(await send("PATCH", "/v1/personas/ai-nobody-here", { name: "X" }), 404);
    expectProblem(await send("PATCH", "/v1/personas/Not%20A%20Slug", { name: "X" }), 400, ["id"]);
  });

  it("is idempotent with a key: the repeat answers with the persona, not a second change", async () => {
    const id = uniqueId("ai-repeat");
    await send("POST", "/v1/personas", valid(id));
    const key = { "idempotency-key": `patch-${id}` };
    const first = await send("PATCH", `/v1/personas/${id}`, { name: "Renamed" }, key);
    const again = await send("PATCH", `/v1/personas/${id}`, { name: "Renamed" }, key);
    expect([first.statusCode, again.statusCode]).toEqual([200, 200]);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.json().name).toBe("Renamed");
  });
});

describe("with API_KEYS set", () => {
  it("requires a key to create or change personas", async () => {
    const secured = await startOrchestrator({ API_KEYS: "persona-key" });
    try {
      const id = uniqueId("ai-auth");
      expect((await secured.app.inject({ method: "POST", url: "/v1/personas", payload: valid(id) })).statusCode).toBe(401);
      expect((await secured.app.inject({ method: "PATCH", url: "/v1/personas/ai-jesus", payload: { name: "X" } })).statusCode).toBe(401);
      const ok = await secured.app.inject({
        method: "POST",
        url: "/v1/personas",
        payload: valid(id),
        headers: { authorization: "Bearer persona-key" },
      });
      expect(ok.statusCode).toBe(201);
    } finally {
      await secured.close();
    }
  });
});
