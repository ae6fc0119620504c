import { Writable } from "node:stream";
import { createLogger, createMetrics } from "@threads-agent/observability";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DependencyGate, dependencyOf } from "./dependency-gate.ts";

const silent = createLogger({ service: "gate-test", level: "silent", destination: new Writable({ write: (_c, _e, cb) => cb() }) });

/** A stand-in for the BullMQ worker: records what the gate asks of it. */
function consumer() {
  const calls: string[] = [];
  return {
    calls,
    concurrency: 8,
    async pause(doNotWaitActive?: boolean) {
      calls.push(`pause(${doNotWaitActive})`);
    },
    async resume() {
      calls.push(`resume at concurrency ${this.concurrency}`);
    },
  };
}
const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

let gate: DependencyGate;
let metrics: ReturnType<typeof createMetrics>;
beforeEach(() => {
  vi.useFakeTimers({ now: new Date("2026-12-14T10:00:00.000Z") });
  metrics = createMetrics("gate-test", { http: false });
  gate = new DependencyGate({
    failureThreshold: 3,
    openMs: 1000,
    maxOpenMs: 4000,
    outageBudgetMs: 3_600_000,
    concurrency: 8,
    logger: silent,
    metrics,
  });
});
afterEach(() => {
  gate.close();
  vi.useRealTimers();
});

describe("dependencyOf", () => {
  it.each([
    ["persona_runtime_unavailable", "persona-runtime"],
    ["persona_runtime_error", "persona-runtime"],
    ["threads_unavailable", "threads"],
    ["llm_provider_unavailable", "model-providers"],
    ["llm_timeout", "model-providers"],
    ["llm_rate_limited", "model-providers"],
    ["persona_runtime_rejected", null],
    ["threads_rejected", null],
    ["llm_auth_failed", null],
    ["internal", null],
  ])("%s -> %s", (code, dependency) => expect(dependencyOf(code)).toBe(dependency));
});

describe("DependencyGate", () => {
  it("pauses the consumer when a breaker opens, lets one probe through half-open, and restores the concurrency when it closes", async () => {
    const worker = consumer();
    gate.attach(worker);
    for (let i = 0; i < 3; i++) gate.failed("persona-runtime", "persona-runtime unreachable: ECONNREFUSED");
    await settle();
    expect(worker.calls).toEqual(["pause(true)"]);
    expect(gate.unavailable()).toEqual({
      "persona-runtime": {
        state: "open",
        failures: 3,
        retry_at: "2026-12-14T10:00:01.000Z",
        last_error: "persona-runtime unreachable: ECONNREFUSED",
      },
    });
    await vi.advanceTimersByTimeAsync(1000);
    expect(worker.calls.at(-1)).toBe("resume at concurrency 1");
    gate.succeeded("succeeded");
    await settle();
    expect(worker.calls.at(-1)).toBe("resume at concurrency 8");
    expect(gate.unavailable()).toEqual({});
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^dependency_breaker_state\{dependency="persona-runtime"[^}]*\} 0$/m);
    expect(text).toMatch(/^dependency_breaker_transitions_total\{dependency="persona-runtime",to="open"[^}]*\} 1$/m);
    expect(text).toMatch(/^dependency_breaker_transitions_total\{dependency="threads",to="open"[^}]*\} 0$/m);
  });

  it("keeps the consumer paused while any breaker is open", async () => {
    const worker = consumer();
    gate.attach(worker);
    for (let i = 0; i < 3; i++) gate.failed("threads", "Threads 503");
    await vi.advanceTimersByTimeAsync(500);
    for (let i = 0; i < 3; i++) gate.failed("model-providers", "every provider failed");
    await vi.advanceTimersByTimeAsync(500);
    // threads is half-open, but the model providers are still open: no probe yet.
    expect(worker.calls).toEqual(["pause(true)", "pause(true)", "pause(true)"]);
  });

  it("counts a model-provider or Threads failure as persona-runtime answering", async () => {
    gate.failed("persona-runtime", "down");
    gate.failed("persona-runtime", "down");
    gate.failed("model-providers", "503");
    gate.failed("persona-runtime", "down");
    expect(gate.unavailable()["persona-runtime"]).toBeUndefined();
  });

  it("sends a task back at the breaker's probe time while open, else after a growing backoff", async () => {
    const now = Date.now();
    const first = gate.retryAt("threads", 1, 200).getTime() - now;
    expect(first).toBeGreaterThanOrEqual(100);
    expect(first).toBeLessThanOrEqual(200);
    const later = gate.retryAt("threads", 5, 200).getTime() - now;
    expect(later).toBeGreaterThanOrEqual(1600);
    expect(later).toBeLessThanOrEqual(3200);
    for (let i = 0; i < 3; i++) gate.failed("threads", "503");
    expect(gate.retryAt("threads", 1, 200).toISOString()).toBe("2026-12-14T10:00:01.000Z");
  });

  it("fails its readiness check only while the breaker is open", async () => {
    const check = gate.readinessChecks().find((c) => c.name === "persona-runtime");
    await expect(check?.check()).resolves.toBeUndefined();
    for (let i = 0; i < 3; i++) gate.failed("persona-runtime", "down");
    await expect(check?.check()).rejects.toThrow("circuit open until 2026-12-14T10:00:01.000Z");
  });
});
