// The rate limit: per API key (or client address without auth), counted in Redis, 429 problem+json
// with Retry-After past the budget; streams and ops routes are not counted.
import { testEnv } from "@threads-agent/testing";
import { afterAll, describe, expect, it } from "vitest";
import { createTask, type Orchestrator, startOrchestrator } from "../test-fixture.ts";

const open: Orchestrator[] = [];
afterAll(async () => {
  for (const o of open) await o.close().catch(() => {});
});
async function start(env: Record<string, string>) {
  const o = await startOrchestrator(env);
  open.push(o);
  return o;
}
const get = (o: Orchestrator, url: string, key?: string) =>
  o.app.inject({ url, ...(key ? { headers: { authorization: `Bearer ${key}` } } : {}) });

describe("rate limit", () => {
  it("answers the request past the budget with 429 problem+json and Retry-After; another key is unaffected", async () => {
    const o = await start({ API_KEYS: "key-a,key-b", RATE_LIMIT_MAX: "3", RATE_LIMIT_WINDOW_SECONDS: "60" });
    for (let i = 0; i < 3; i++) expect((await get(o, "/v1/personas", "key-a")).statusCode).toBe(200);
    const over = await get(o, "/v1/personas", "key-a");
    expect(over.statusCode).toBe(429);
    expect(over.headers["content-type"]).toMatch(/application\/problem\+json/);
    expect(Number(over.headers["retry-after"])).toBeGreaterThan(0);
    expect(over.json()).toMatchObject({
      status: 429,
      title: "Too many requests",
      detail: expect.stringMatching(/At most 3 requests per 60 s from one API key/),
    });
    expect((await get(o, "/v1/personas", "key-b")).statusCode).toBe(200);
    // Not counted: ops routes and the docs, outside the API's scope.
    for (let i = 0; i < 5; i++) expect((await get(o, "/health")).statusCode).toBe(200);
    expect((await get(o, "/openapi.json")).statusCode).toBe(200);
  });

  it("does not count event streams", async () => {
    const o = await start({ RATE_LIMIT_MAX: "2" });
    const task = await createTask(o);
    await o.lifecycle.task({ id: task.id, to: "cancelled", event: { type: "task.cancelled" } });
    for (let i = 0; i < 4; i++) expect((await get(o, `/v1/tasks/${task.id}/events`)).statusCode).toBe(200);
  });

  it("keeps a client's count across an orchestrator restart (the counts live in Redis)", async () => {
    const prefix = testEnv().redisPrefix;
    const first = await start({ REDIS_PREFIX: prefix, RATE_LIMIT_MAX: "2" });
    expect((await get(first, "/v1/posts")).statusCode).toBe(200);
    expect((await get(first, "/v1/posts")).statusCode).toBe(200);
    await first.close();
    open.splice(open.indexOf(first), 1);
    const second = await start({ REDIS_PREFIX: prefix, RATE_LIMIT_MAX: "2" });
    expect((await get(second, "/v1/posts")).statusCode).toBe(429);
  });

  it("can be switched off", async () => {
    const o = await start({ RATE_LIMIT_MAX: "0" });
    for (let i = 0; i < 10; i++) expect((await get(o, "/v1/posts")).statusCode).toBe(200);
  });
});
