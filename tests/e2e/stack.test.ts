// End-to-end through the public API only, as a client of the platform sees it.
// Against a deployed stack (k3d via `just e2e`, or any cluster, through a port-forward): set
// E2E_BASE_URL (e.g. http://127.0.0.1:18080) and, when auth is on, E2E_API_KEY; `just e2e` sets both.
// Without E2E_BASE_URL the suite starts the whole local stack itself (every service as a process,
// as `scripts/up` does) and runs the same tests against it, so they run in every CI.
// The cluster checks (Deployments available, `helm test`) need kubectl with a cluster: they are
// skipped without one, saying why.
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, startPipeline } from "../pipeline/stack-fixture.ts";

const DEPLOYED = process.env.E2E_BASE_URL?.replace(/\/$/, "");
let BASE = DEPLOYED ?? "";
// The local stack runs with auth on, so the auth test has something to check.
const KEY = process.env.E2E_API_KEY ?? (process.env.E2E_BASE_URL ? "" : "e2e-local-key");
const NAMESPACE = process.env.E2E_NAMESPACE ?? "threads-agent";
const RELEASE = process.env.E2E_RELEASE ?? "threads-agent";
const kubectlConfigured =
  Boolean(process.env.KUBECONFIG) || spawnSync("kubectl", ["config", "current-context"], { stdio: "ignore" }).status === 0;

let local: Fixture | undefined;
beforeAll(async () => {
  if (DEPLOYED) return;
  local = await startPipeline({ API_KEYS: KEY }, ["fake-threads", "persona-runtime", "worker", "orchestrator", "agent-launcher"]);
  BASE = local.api;
}, 120_000);
afterAll(async () => {
  await local?.stack.stop();
});

const headers = (extra: Record<string, string> = {}) => ({ ...(KEY ? { authorization: `Bearer ${KEY}` } : {}), ...extra });

async function api(path: string, init: RequestInit = {}) {
  const res = await fetch(`${BASE}${path}`, {
    ...init,
    headers: headers(init.headers as Record<string, string>),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** Reads an SSE stream until an event whose type is terminal; returns the events' data objects. */
async function readEvents(path: string, terminal: Set<string>, timeoutMs = 120_000) {
  const res = await fetch(`${BASE}${path}`, { headers: headers({ accept: "text/event-stream" }), signal: AbortSignal.timeout(timeoutMs) });
  expect(res.status).toBe(200);
  const events: Record<string, unknown>[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf("\n\n");
    while (end >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = frame
        .split("\n")
        .filter((l) => l.startsWith("data:"))
        .map((l) => l.slice(5).trim())
        .join("\n");
      if (data) {
        const event = JSON.parse(data);
        events.push(event);
        if (terminal.has(event.type)) return events;
      }
      end = buffer.indexOf("\n\n");
    }
  }
  return events;
}

describe(DEPLOYED ? `deployed stack at ${DEPLOYED}` : "the local stack (every service as a process)", () => {
  it("answers /health and /ready", async () => {
    expect((await api("/health")).body).toMatchObject({ status: "ok", pid: expect.any(Number) });
    const ready = await api("/ready");
    expect(ready.status, JSON.stringify(ready.body)).toBe(200);
  });

  it("serves the OpenAPI document and metrics", async () => {
    const doc = await api("/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\.1/);
    const metrics = await fetch(`${BASE}/metrics`, { headers: headers() });
    expect(await metrics.text()).toContain("http_requests_total");
  });

  it("runs a content task end to end: queued, every step, a published post", async () => {
    const personas = await api("/v1/personas");
    expect(personas.status).toBe(200);
    const persona = personas.body.items.find((p: { id: string }) => p.id === "ai-jesus") ?? personas.body.items[0];
    expect(persona, "the migration (Job in the chart, start-up locally) seeds the default personas").toBeDefined();
    const created = await api("/v1/tasks", {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": `e2e-${Date.now()}` },
      body: JSON.stringify({ persona_id: persona.id, input: "Deploying on a Friday afternoon" }),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const events = await readEvents(
      `/v1/tasks/${created.body.id}/events`,
      new Set(["task.succeeded", "task.failed", "task.blocked", "task.cancelled"]),
    );
    const types = events.map((e) => e.type);
    expect(types[0]).toBe("task.queued");
    expect(types.at(-1)).toBe("task.succeeded");
    for (const step of ["hook", "body", "guardrail", "format"]) {
      expect(
        events.some((e) => e.type === "step.completed" && e.step === step),
        `step ${step}`,
      ).toBe(true);
    }
    const task = await api(`/v1/tasks/${created.body.id}`);
    expect(task.body.status).toBe("succeeded");
    expect(task.body.post.text.length).toBeLessThanOrEqual(500);
    expect(task.body.post.published_id).toBeTruthy();
  });

  it.skipIf(!KEY)("rejects requests without the API key when auth is on (values-dev.yaml turns it off)", async () => {
    const res = await fetch(`${BASE}/v1/tasks`, { signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(401);
  });
});

describe.skipIf(!DEPLOYED || !kubectlConfigured)(
  DEPLOYED && kubectlConfigured
    ? "the release in the cluster"
    : `the release in the cluster — skipped: ${DEPLOYED ? "kubectl has no cluster configured (KUBECONFIG)" : "needs a deployed release (`just up`, then `just e2e`)"}`,
  () => {
    it("has every Deployment available and passes helm test", () => {
      const get = spawnSync(
        "kubectl",
        ["-n", NAMESPACE, "get", "deployments", "-l", `app.kubernetes.io/instance=${RELEASE}`, "-o", "json"],
        { encoding: "utf8" },
      );
      expect(get.status, get.stderr).toBe(0);
      const items = JSON.parse(get.stdout).items as {
        metadata: { name: string };
        status: { availableReplicas?: number };
        spec: { replicas?: number };
      }[];
      expect(items.length).toBeGreaterThanOrEqual(5);
      for (const d of items)
        expect(d.status.availableReplicas ?? 0, d.metadata.name).toBeGreaterThanOrEqual(Math.min(1, d.spec.replicas ?? 1));
      const test = spawnSync("helm", ["test", RELEASE, "-n", NAMESPACE, "--timeout", "3m"], { encoding: "utf8" });
      expect(test.status, test.stdout + test.stderr).toBe(0);
    });
  },
);
