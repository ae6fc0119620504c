// A Redis outage must leave the logs readable: every line a JSON object (no multi-line stack traces
// printed outside the log by a queue or connection without an error listener), and each component
// saying what broke once, not once per reconnect. The Redis is the test's own, stopped and started
// again here; the shared one is never touched.
import { type Stack, startStack } from "@threads-agent/stack";
import { testEnv, waitFor } from "@threads-agent/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type OwnRedis, startOwnRedis } from "../pipeline/own-redis.ts";

type Line = { service: string; stream: string; line: string };

let redis: OwnRedis;
let stack: Stack;
const lines: Line[] = [];

beforeAll(async () => {
  redis = await startOwnRedis();
  const env = testEnv();
  stack = await startStack({
    env: { DATABASE_URL: env.databaseUrl, REDIS_URL: redis.url, REDIS_PREFIX: env.redisPrefix, LOG_LEVEL: "info", AGENT_BACKEND: "local" },
    services: ["fake-threads", "persona-runtime", "worker", "orchestrator", "agent-launcher"],
    onLine: (service, line, stream) => lines.push({ service, stream, line }),
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await redis?.stop();
});

describe("a Redis outage in the logs", () => {
  it("is one structured line per component, never a stack trace outside the JSON log", async () => {
    const before = lines.length;
    await redis.stop();
    // Long enough for every component to try (and fail) to reconnect several times.
    await waitFor(
      "the orchestrator to notice Redis is gone",
      async () => ((await fetch(`${stack.urls.orchestrator}/ready`)).status === 503 ? true : null),
      30_000,
      200,
    );
    await new Promise((r) => setTimeout(r, 8_000));
    await redis.start();
    await waitFor(
      "the orchestrator to be ready again",
      async () => ((await fetch(`${stack.urls.orchestrator}/ready`)).status === 200 ? true : null),
      60_000,
      200,
    );
    await new Promise((r) => setTimeout(r, 2_000));

    const during = lines.slice(before);
    const notJson = during.filter(({ line }) => {
      try {
        return typeof JSON.parse(line) !== "object";
      } catch {
        return true;
      }
    });
    expect(notJson.map((l) => `[${l.service} ${l.stream}] ${l.line}`)).toEqual([]);
    expect(during.filter((l) => l.stream === "stderr")).toEqual([]);

    // Each component reports the outage, but not once per reconnect attempt.
    const problems = during.map((l) => ({ ...l, entry: JSON.parse(l.line) as { level?: string; msg?: string; err?: unknown } }));
    if (process.env.HOSTILE_DEBUG) console.log(problems.map((p) => `[${p.service}] ${p.line}`).join("\n"));
    const byService = new Map<string, string[]>();
    for (const p of problems.filter((p) => ["warn", "error", "fatal"].includes(String(p.entry.level)))) {
      byService.set(p.service, [...(byService.get(p.service) ?? []), String(p.entry.msg)]);
    }
    for (const [service, messages] of byService) {
      const counts = new Map<string, number>();
      for (const m of messages) counts.set(m, (counts.get(m) ?? 0) + 1);
      for (const [message, count] of counts) expect(count, `${service}: "${message}" ${count} times`).toBeLessThanOrEqual(3);
      // No line carries a stack: errors are logged by message and code.
      for (const p of problems.filter((p) => p.service === service)) expect(JSON.stringify(p.entry.err ?? "")).not.toMatch(/\\n\s+at /);
    }
    expect(byService.size).toBeGreaterThan(0);
  }, 180_000);
});
