import { listen, readSse } from "@threads-agent/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTask, type Orchestrator, startOrchestrator } from "../test-fixture.ts";

describe("with API_KEYS set", () => {
  let o: Orchestrator;
  let url = "";
  const bearer = { authorization: "Bearer key-one" };

  beforeAll(async () => {
    o = await startOrchestrator({ API_KEYS: "key-one, key-two" });
    url = (await listen(o.app)).url;
  });
  afterAll(async () => {
    await o?.close();
  });

  it.each([
    ["GET", "/v1/tasks"],
    ["POST", "/v1/tasks"],
    ["GET", "/v1/personas"],
    ["GET", "/v1/posts"],
    ["GET", "/v1/queues"],
    ["POST", "/task"],
    ["GET", "/v1/unknown-route"],
  ])("%s %s without a key → 401 problem+json", async (method, path) => {
    const res = await o.app.inject({
      method: method as "GET",
      url: path,
      payload: method === "POST" ? { persona_id: "ai-jesus", input: "x" } : undefined,
    });
    expect(res.statusCode).toBe(401);
    expect(res.headers["content-type"]).toMatch(/problem\+json/);
    expect(res.headers["www-authenticate"]).toMatch(/^Bearer/);
    expect(res.json().detail).toMatch(/Authorization: Bearer/);
  });

  it("rejects a wrong key and a non-Bearer scheme", async () => {
    const wrong = await o.app.inject({ url: "/v1/tasks", headers: { authorization: "Bearer nope" } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json().detail).toBe("The API key is not valid");
    expect(wrong.headers["www-authenticate"]).toMatch(/invalid_token/);
    expect((await o.app.inject({ url: "/v1/tasks", headers: { authorization: "Basic a2V5LW9uZTo=" } })).statusCode).toBe(401);
  });

  it("accepts every configured key", async () => {
    expect((await o.app.inject({ url: "/v1/tasks", headers: bearer })).statusCode).toBe(200);
    expect((await o.app.inject({ url: "/v1/tasks", headers: { authorization: "bearer key-two" } })).statusCode).toBe(200);
  });

  it("refuses before reading the body: an anonymous oversize body gets 401, not 413", async () => {
    const res = await o.app.inject({
      method: "POST",
      url: "/v1/tasks",
      headers: { "content-type": "application/json" },
      payload: JSON.stringify({ input: "x".repeat(100_000) }),
    });
    expect(res.statusCode).toBe(401);
  });

  it("accepts ?access_token= on the SSE endpoint only", async () => {
    const task = await createTask(o, {}, bearer);
    await o.lifecycle.task({ id: task.id, to: "cancelled", event: { type: "task.cancelled" } });
    const denied = await readSse(`${url}/v1/tasks/${task.id}/events`);
    expect(denied.status).toBe(401);
    const stream = await readSse(`${url}/v1/tasks/${task.id}/events?access_token=key-one`);
    expect(stream.status).toBe(200);
    expect(stream.messages.map((m) => m.json.type)).toEqual(["task.queued", "task.cancelled"]);
    expect((await o.app.inject({ url: `/v1/tasks/${task.id}?access_token=key-one` })).statusCode).toBe(401);
  });

  it.each(["/health", "/ready", "/metrics", "/openapi.json", "/docs", "/"])("%s stays public", async (path) => {
    const res = await o.app.inject({ url: path });
    expect(res.statusCode).toBeLessThan(400);
  });
});

describe("with API_KEYS empty (the local default)", () => {
  let o: Orchestrator;
  beforeAll(async () => {
    o = await startOrchestrator({ API_KEYS: "" });
  });
  afterAll(async () => {
    await o?.close();
  });

  it("needs no key", async () => {
    expect((await o.app.inject({ url: "/v1/tasks" })).statusCode).toBe(200);
    expect((await o.app.inject({ url: "/v1/tasks", headers: { authorization: "Bearer whatever" } })).statusCode).toBe(200);
  });
});
