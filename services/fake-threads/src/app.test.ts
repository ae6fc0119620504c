import { Insights, PublishedPost } from "@threads-agent/contracts";
import { createLogger, createMetrics } from "@threads-agent/observability";
import { type Listening, listen } from "@threads-agent/testing";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "./app.ts";
import { type Config, configSchema } from "./config.ts";

const servers: Listening[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(env: Record<string, string> = {}) {
  const clock = { now: Date.parse("2026-11-21T10:00:00.000Z") };
  const config: Config = configSchema.parse(env);
  const server = await listen(
    buildApp({
      config,
      logger: createLogger({ service: "fake-threads", level: "silent" }),
      metrics: createMetrics("fake-threads"),
      now: () => clock.now,
    }),
  );
  servers.push(server);
  return { ...server, clock };
}

const json = async (res: Response) => ({ status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> });

function publish(url: string, body: unknown, key?: string, headers: Record<string, string> = {}) {
  return fetch(`${url}/publish`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key ? { "idempotency-key": key } : {}), ...headers },
    body: JSON.stringify(body),
  });
}

describe("POST /publish", () => {
  it("stores the post once per Idempotency-Key", async () => {
    const { url } = await start();
    const first = await json(await publish(url, { text: "🚀 Hook 🚀\n\nBody", persona_id: "ai-elon" }, "task-1"));
    expect(first.status).toBe(201);
    const post = PublishedPost.parse(first.body);
    expect(post).toMatchObject({
      text: "🚀 Hook 🚀\n\nBody",
      persona_id: "ai-elon",
      idempotency_key: "task-1",
      published_at: "2026-11-21T10:00:00.000Z",
    });
    expect(post.id).toMatch(/^\d{17}$/);
    expect(first.headers.get("location")).toBe(`/posts/${post.id}`);

    const again = await json(await publish(url, { text: "🚀 Hook 🚀\n\nBody", persona_id: "ai-elon" }, "task-1"));
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");

    // A retry whose text was regenerated still gets the first post: one task, one Threads post.
    const changed = await json(await publish(url, { text: "Different text", persona_id: "ai-elon" }, "task-1"));
    expect(changed).toMatchObject({ status: 200, body: first.body });

    const list = await json(await fetch(`${url}/published`));
    expect(list.body.items).toEqual([first.body]);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/threads_published_total\{[^}]*\} 1\n/);
    expect(metrics).toMatch(/threads_publish_replays_total\{[^}]*\} 2\n/);
  });

  it("requires an Idempotency-Key, and says why", async () => {
    const { url } = await start();
    const res = await json(await publish(url, { text: "hello" }));
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(res.body.errors).toEqual([{ field: "Idempotency-Key", message: expect.stringMatching(/header is required/) }]);
    expect((await json(await fetch(`${url}/published`))).body.items).toEqual([]);
  });

  it("names every bad field in one answer", async () => {
    const { url } = await start();
    const res = await json(await publish(url, { text: "x".repeat(501), extra: true }));
    expect(res.status).toBe(400);
    const fields = (res.body.errors as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(["Idempotency-Key", "text", "extra"]));
  });

  it("rejects replies to posts that do not exist", async () => {
    const { url } = await start();
    const res = await json(await publish(url, { text: "reply", reply_to_id: "123" }, "k"));
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ field: "reply_to_id", message: 'post "123" does not exist' }]);
  });
});

describe("GET /published", () => {
  it("lists newest first, filters by persona and pages", async () => {
    const { url, clock } = await start();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock.now += 1000;
      const res = await json(await publish(url, { text: `post ${i}`, persona_id: i % 2 ? "ai-jesus" : "ai-elon" }, `k${i}`));
      ids.push(res.body.id as string);
    }
    const all = await json(await fetch(`${url}/published`));
    expect((all.body.items as { id: string }[]).map((p) => p.id)).toEqual([...ids].reverse());
    expect(all.body.next_cursor).toBeNull();

    const elon = await json(await fetch(`${url}/published?persona_id=ai-elon`));
    expect((elon.body.items as { text: string }[]).map((p) => p.text)).toEqual(["post 4", "post 2", "post 0"]);

    const page1 = await json(await fetch(`${url}/published?limit=2`));
    expect((page1.body.items as { id: string }[]).map((p) => p.id)).toEqual([ids[4], ids[3]]);
    const page2 = await json(await fetch(`${url}/published?limit=2&cursor=${page1.body.next_cursor}`));
    expect((page2.body.items as { id: string }[]).map((p) => p.id)).toEqual([ids[2], ids[1]]);
    const page3 = await json(await fetch(`${url}/published?limit=2&cursor=${page2.body.next_cursor}`));
    expect(page3.body).toEqual({ items: [expect.objectContaining({ id: ids[0] })], next_cursor: null });
  });

  it("validates the query", async () => {
    const { url } = await start();
    const res = await json(await fetch(`${url}/published?limit=0&cursor=abc`));
    expect(res.status).toBe(400);
    expect((res.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(["cursor", "limit"]);
  });

  it("forgets the oldest posts beyond MAX_POSTS", async () => {
    const { url } = await start({ MAX_POSTS: "2" });
    for (let i = 0; i < 3; i++) await publish(url, { text: `post ${i}` }, `k${i}`);
    const list = await json(await fetch(`${url}/published`));
    expect((list.body.items as { text: string }[]).map((p) => p.text)).toEqual(["post 2", "post 1"]);
  });
});

describe("GET /posts/:id/insights", () => {
  it("simulates engagement that grows with time and never shrinks", async () => {
    const { url, clock } = await start();
    const post = (await json(await publish(url, { text: "hello" }, "k"))).body;
    const read = async () => Insights.parse((await json(await fetch(`${url}/posts/${post.id}/insights`))).body);
    const fresh = await read();
    expect(fresh).toMatchObject({ id: post.id, views: 0, likes: 0 });
    clock.now += 30 * 60_000;
    const halfHour = await read();
    clock.now += 2 * 24 * 3_600_000;
    const later = await read();
    expect(halfHour.views).toBeGreaterThan(0);
    expect(later.views).toBeGreaterThan(halfHour.views);
    expect(later.likes).toBeGreaterThanOrEqual(halfHour.likes);
    expect(await read()).toEqual(later); // same moment, same numbers
  });

  it("answers 404 problem+json for unknown posts", async () => {
    const { url } = await start();
    const res = await json(await fetch(`${url}/posts/12345/insights`));
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(res.body.detail).toBe('post "12345" does not exist');
    expect((await fetch(`${url}/posts/not-an-id/insights`)).status).toBe(400);
  });

  it("serves the post itself", async () => {
    const { url } = await start();
    const post = (await json(await publish(url, { text: "hello" }, "k"))).body;
    expect((await json(await fetch(`${url}/posts/${post.id}`))).body).toEqual(post);
  });
});

describe("access token", () => {
  it("requires the bearer token on the API when THREADS_ACCESS_TOKEN is set", async () => {
    const { url } = await start({ THREADS_ACCESS_TOKEN: "s3cret-token" });
    const missing = await json(await publish(url, { text: "hi" }, "k"));
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await publish(url, { text: "hi" }, "k", { authorization: "Bearer wrong" })).status).toBe(401);
    expect((await publish(url, { text: "hi" }, "k", { authorization: "Bearer s3cret-token" })).status).toBe(201);
    expect((await fetch(`${url}/published`)).status).toBe(401);
    // Probes and the ping stay open.
    for (const path of ["/ping", "/health", "/ready", "/metrics"]) expect((await fetch(`${url}${path}`)).status).toBe(200);
  });

  it("is open when no token is configured", async () => {
    const { url } = await start();
    expect((await json(await fetch(`${url}/ping`))).body).toEqual({ status: "ok" });
  });
});

describe("fault injection", () => {
  const arm = (url: string, body: unknown) =>
    fetch(`${url}/_faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

  it("fails the next n publish calls with the chosen status, storing nothing", async () => {
    const { url } = await start();
    expect((await json(await arm(url, { fail_next: 2, status: 503 }))).body).toEqual({ fail_next: 2, status: 503 });
    const first = await json(await publish(url, { text: "hi" }, "task-1"));
    expect(first.status).toBe(503);
    expect(first.headers.get("retry-after")).toBe("1");
    expect(first.body).toMatchObject({ type: expect.stringMatching(/injected-fault$/), detail: expect.stringMatching(/1 more/) });
    expect((await publish(url, { text: "hi" }, "task-1")).status).toBe(503);
    expect((await publish(url, { text: "hi" }, "task-1")).status).toBe(201);
    expect((await json(await fetch(`${url}/published`))).body.items).toHaveLength(1);
    expect((await json(await fetch(`${url}/_faults`))).body).toEqual({ fail_next: 0, status: 503 });
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/threads_injected_faults_total\{[^}]*\} 2\n/);
  });

  it("defaults to 503, can be cleared, and validates the plan", async () => {
    const { url } = await start();
    expect((await json(await arm(url, { fail_next: 1 }))).body).toEqual({ fail_next: 1, status: 503 });
    expect((await fetch(`${url}/_faults`, { method: "DELETE" })).status).toBe(204);
    expect((await publish(url, { text: "hi" }, "k")).status).toBe(201);
    const bad = await json(await arm(url, { fail_next: -1, status: 200 }));
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(["fail_next", "status"]);
  });

  it("is absent when FAULT_INJECTION is off", async () => {
    const { url } = await start({ FAULT_INJECTION: "false" });
    expect((await arm(url, { fail_next: 1 })).status).toBe(404);
  });
});
