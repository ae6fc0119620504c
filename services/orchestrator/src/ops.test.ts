// /ready, /metrics, /health, CORS and security headers.
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTask, type Orchestrator, startOrchestrator } from "./test-fixture.ts";

let o: Orchestrator;

beforeAll(async () => {
  o = await startOrchestrator({ CORS_ORIGINS: "https://app.example.com" });
});
afterAll(async () => {
  await o?.close();
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address ? address.port : 1;
}

describe("/health and /ready", () => {
  it("are ok when Redis and the database answer", async () => {
    expect((await o.app.inject({ url: "/health" })).json()).toEqual({ status: "ok", pid: process.pid });
    const ready = await o.app.inject({ url: "/ready" });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: "ready", checks: { redis: "ok", database: "ok" } });
  });

  it("/ready answers 503 naming redis, promptly, when Redis is unreachable; writes get 503 problem+json", async () => {
    const broken = await startOrchestrator({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
    try {
      const started = Date.now();
      const res = await broken.app.inject({ url: "/ready" });
      expect(Date.now() - started).toBeLessThan(1000);
      expect(res.statusCode).toBe(503);
      expect(res.json().status).toBe("not_ready");
      expect(res.json().checks.database).toBe("ok");
      expect(res.json().checks.redis).toMatch(/not connected/);
      expect(JSON.stringify(res.json())).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
      expect((await broken.app.inject({ url: "/health" })).statusCode).toBe(200);

      const write = await broken.app.inject({ method: "POST", url: "/v1/tasks", payload: { persona_id: "ai-jesus", input: "x" } });
      expect(write.statusCode).toBe(503);
      expect(write.headers["content-type"]).toMatch(/problem\+json/);
      expect(write.json().detail).toMatch(/Redis/);
      const existing = await createTask(o);
      const events = await broken.app.inject({ url: `/v1/tasks/${existing.id}/events` });
      expect(events.statusCode).toBe(503);
      expect(events.headers["content-type"]).toMatch(/problem\+json/);
      const cancel = await broken.app.inject({ method: "POST", url: `/v1/tasks/${existing.id}/cancel` });
      expect(cancel.statusCode).toBe(503);
      // Reads that need only the database still work.
      expect((await broken.app.inject({ url: `/v1/tasks/${existing.id}` })).statusCode).toBe(200);
      const queues = await broken.app.inject({ url: "/v1/queues" });
      expect(queues.statusCode).toBe(503);
      // A scrape still works: the queue gauge is just empty.
      expect((await broken.app.inject({ url: "/metrics" })).statusCode).toBe(200);
    } finally {
      await broken.close();
    }
  });
});

describe("/metrics", () => {
  it("has RED metrics, SSE connections, tasks created and queue depth per state", async () => {
    await createTask(o, { persona_id: "ai-elon" });
    const res = await o.app.inject({ url: "/metrics" });
    expect(res.statusCode).toBe(200);
    const text = res.body;
    // status is the class (2xx..5xx): every route starts at 0 for each.
    expect(text).toMatch(/http_requests_total\{route="\/v1\/tasks",method="POST",status="2xx",service="orchestrator"\} [1-9]/);
    expect(text).toMatch(/tasks_created_total\{persona_id="ai-elon",service="orchestrator"\} [1-9]/);
    expect(text).toMatch(/sse_connections\{service="orchestrator"\} 0/);
    expect(text).toMatch(/queue_jobs\{queue="content",state="waiting",service="orchestrator"\} [1-9]/);
    expect(text).toMatch(/queue_jobs\{queue="content",state="failed",service="orchestrator"\} 0/);
    // The original's request_latency_seconds, for the orchestrator's own phases of accepting a task.
    expect(text).toMatch(/# TYPE request_latency_seconds histogram/);
    for (const phase of ["accept", "enqueue"])
      expect(text).toMatch(new RegExp(`request_latency_seconds_count\\{[^}]*phase="${phase}"[^}]*\\} [1-9]`));
  });
});

describe("headers", () => {
  it("sends security headers", async () => {
    const res = await o.app.inject({ url: "/health" });
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["x-frame-options"]).toBe("DENY");
  });

  it("answers CORS preflights for configured origins only", async () => {
    const preflight = await o.app.inject({
      method: "OPTIONS",
      url: "/v1/tasks",
      headers: { origin: "https://app.example.com", "access-control-request-method": "POST" },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(preflight.headers["access-control-allow-headers"]).toMatch(/Idempotency-Key/);
    const get = await o.app.inject({ url: "/v1/personas", headers: { origin: "https://app.example.com" } });
    expect(get.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(get.headers["access-control-expose-headers"]).toMatch(/Idempotent-Replayed/);
    const other = await o.app.inject({ url: "/v1/personas", headers: { origin: "https://evil.example" } });
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
  });
});
