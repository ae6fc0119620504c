// /ready reflects the dependencies: 503 naming Redis while Redis is unreachable, 200 again after.

import { waitFor } from "@threads-agent/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Fixture, startPipeline } from "./stack-fixture.ts";
import { startTcpProxy } from "./tcp-proxy.ts";

let f: Fixture;
let proxy: Awaited<ReturnType<typeof startTcpProxy>>;

beforeAll(async () => {
  const redis = new URL("redis://127.0.0.1:6379");
  proxy = await startTcpProxy({ host: redis.hostname, port: Number(redis.port) });
  f = await startPipeline({ REDIS_URL: `redis://127.0.0.1:${proxy.port}` }, ["orchestrator"]);
});
afterAll(async () => {
  await f?.stack.stop();
  await proxy?.close();
});

it("answers 503 naming redis while Redis is unreachable, and recovers", async () => {
  expect((await f.json("/ready")).status).toBe(200);
  proxy.cut();
  const down = await waitFor(
    "/ready to fail",
    async () => {
      const res = await f.json<{ checks: Record<string, string> }>("/ready");
      return res.status === 503 ? res : null;
    },
    10_000,
  );
  expect(down.body.checks.redis).not.toBe("ok");
  expect(down.body.checks.database).toBe("ok");
  expect((await f.json("/health")).status).toBe(200);
  // No input crashes the service while Redis is gone: a write is refused with 503, not a hang or crash.
  const write = await f.json("/v1/tasks", { method: "POST", body: { persona_id: "ai-jesus", input: "anything" } });
  expect(write.status).toBeGreaterThanOrEqual(500);
  expect(write.headers.get("content-type")).toMatch(/problem\+json/);
  proxy.restore();
  await waitFor("/ready to recover", async () => (await f.json("/ready")).status === 200, 15_000);
});
