// The endpoints from before the Graph API: the ORIGINAL threads-agent contract, exactly as the
// original e2e tests use it, and the DEPRECATED Idempotency-Key publish the worker still uses.
import { Insights, PublishedPost } from "@threads-agent/contracts";
import { createLogger, createMetrics } from "@threads-agent/observability";
import { type Listening, listen } from "@threads-agent/testing";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "./app.ts";
import { type Config, configSchema, DEV_ACCESS_TOKEN } from "./config.ts";

const servers: Listening[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function start(env: Record<string, string> = {}) {
  const clock = { now: Date.parse("2026-11-21T10:00:00.000Z") };
  const config: Config = configSchema.parse({ CONTAINER_READY_MS: "0", ...env });
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
const post = (url: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
const publish = (url: string, body: unknown, key?: string, headers: Record<string, string> = {}) =>
  post(url, "/publish", body, { ...(key ? { "idempotency-key": key } : {}), ...headers });
const bare = async (url: string) => (await (await fetch(`${url}/published`)).json()) as Record<string, unknown>[];

describe("the original threads-agent contract", () => {
  it("POST /publish {topic, content} answers 200 {status: published, topic, content} with no headers", async () => {
    const { url } = await start();
    const res = await fetch(`${url}/publish`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ topic: "ai-jesus", content: "Love your neighbour, even on Mondays." }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: "published", topic: "ai-jesus", content: "Love your neighbour, even on Mondays." });
  });

  it("GET /published is a bare array of {topic, content}, oldest first, that the e2e poll can search", async () => {
    const { url, clock } = await start();
    expect(await bare(url)).toEqual([]);
    for (const [topic, content] of [
      ["ai-jesus", "first"],
      ["ai-elon", "second"],
      ["ai-jesus", "third"],
    ]) {
      clock.now += 1000;
      expect((await post(url, "/publish", { topic, content })).status).toBe(200);
    }
    const published = await bare(url);
    expect(Array.isArray(published)).toBe(true);
    expect(published.map((p) => [p.topic, p.content])).toEqual([
      ["ai-jesus", "first"],
      ["ai-elon", "second"],
      ["ai-jesus", "third"],
    ]);
    // The original test_post_flow: the newest ai-jesus post is the last one.
    const jesus = published.filter((p) => "topic" in p && String(p.topic).toLowerCase().includes("ai-jesus"));
    expect(jesus.at(-1)?.content).toBe("third");
  });

  it("lists posts of every API there: Graph posts with their account's username as topic", async () => {
    const { url } = await start({ THREADS_USERNAME: "ai-elon" });
    await post(url, "/publish", { topic: "ai-jesus", content: "original" });
    await publish(url, { text: "deprecated", persona_id: "ai-jesus" }, "task-1");
    const auth = { authorization: `Bearer ${DEV_ACCESS_TOKEN}` };
    const container = await json(await post(url, "/v1.0/me/threads", { media_type: "TEXT", text: "🚀 Graph 🚀" }, auth));
    expect((await post(url, "/v1.0/me/threads_publish", { creation_id: container.body.id }, auth)).status).toBe(200);
    expect((await bare(url)).map((p) => [p.topic, p.content])).toEqual([
      ["ai-jesus", "original"],
      ["ai-jesus", "deprecated"],
      ["ai-elon", "🚀 Graph 🚀"],
    ]);
  });

  it("names the fields of a bad original body", async () => {
    const { url } = await start();
    const res = await json(await post(url, "/publish", { topic: 7 }));
    expect(res.status).toBe(400);
    expect((res.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(["content", "topic"]);
  });

  it("GET /ping answers {pong: true}", async () => {
    const { url } = await start({ THREADS_ACCESS_TOKEN: "s3cret-token-1" });
    const res = await json(await fetch(`${url}/ping`));
    expect(res).toMatchObject({ status: 200, body: { pong: true } });
  });

  it("keeps comments per post id, as the comment endpoints' original tests expect", async () => {
    const { url } = await start();
    expect(await (await fetch(`${url}/posts/post_123/comments`)).json()).toEqual([]);
    const created = await json(await post(url, "/posts/post_123/comments", { text: "Great post!", author: "user1" }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ text: "Great post!", author: "user1", post_id: "post_123" });
    expect(created.body.id).toMatch(/^comment_[0-9a-f]{8}$/);
    expect(Date.parse(created.body.timestamp as string)).not.toBeNaN();
    await post(url, "/posts/post_456/comments", { text: "Amazing content!", author: "user2" });
    const first = (await (await fetch(`${url}/posts/post_123/comments`)).json()) as { text: string }[];
    const second = (await (await fetch(`${url}/posts/post_456/comments`)).json()) as { text: string; author: string; post_id: string }[];
    expect(first.map((c) => c.text)).toEqual(["Great post!"]);
    expect(second).toEqual([expect.objectContaining({ text: "Amazing content!", author: "user2", post_id: "post_456" })]);
    const bad = await json(await post(url, "/posts/post_1/comments", { text: "no author" }));
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ field: "author", message: expect.any(String) }]);
  });

  it("needs no token even when one is configured", async () => {
    const { url } = await start({ THREADS_ACCESS_TOKEN: "s3cret-token-1" });
    expect((await post(url, "/publish", { topic: "t", content: "c" })).status).toBe(200);
    expect(await bare(url)).toHaveLength(1);
    expect((await post(url, "/posts/1/comments", { text: "x", author: "y" })).status).toBe(201);
  });
});

describe("DEPRECATED POST /publish {text} with an Idempotency-Key", () => {
  it("stores the post once per Idempotency-Key", async () => {
    const { url } = await start();
    const first = await json(await publish(url, { text: "🚀 Hook 🚀\n\nBody", persona_id: "ai-elon" }, "task-1"));
    expect(first.status).toBe(201);
    const created = PublishedPost.parse(first.body);
    expect(created).toMatchObject({
      text: "🚀 Hook 🚀\n\nBody",
      persona_id: "ai-elon",
      idempotency_key: "task-1",
      published_at: "2026-11-21T10:00:00.000Z",
    });
    expect(created.id).toMatch(/^\d{17}$/);
    expect(first.headers.get("location")).toBe(`/posts/${created.id}`);

    const again = await json(await publish(url, { text: "🚀 Hook 🚀\n\nBody", persona_id: "ai-elon" }, "task-1"));
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get("idempotent-replayed")).toBe("true");

    // A retry whose text was regenerated still gets the first post: one task, one Threads post.
    const changed = await json(await publish(url, { text: "Different text", persona_id: "ai-elon" }, "task-1"));
    expect(changed).toMatchObject({ status: 200, body: first.body });

    const list = await json(await fetch(`${url}/published?limit=1000`));
    expect(list.body.items).toEqual([first.body]);

    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/threads_published_total\{[^}]*api="publish"[^}]*\} 1\n/);
    expect(metrics).toMatch(/threads_publish_replays_total\{[^}]*\} 2\n/);
  });

  it("requires an Idempotency-Key, and says why", async () => {
    const { url } = await start();
    const res = await json(await publish(url, { text: "hello" }));
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(res.body.errors).toEqual([{ field: "Idempotency-Key", message: expect.stringMatching(/header is required/) }]);
    expect(await bare(url)).toEqual([]);
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

describe("DEPRECATED GET /published?limit=", () => {
  it("lists newest first, filters by persona and pages", async () => {
    const { url, clock } = await start();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock.now += 1000;
      const res = await json(await publish(url, { text: `post ${i}`, persona_id: i % 2 ? "ai-jesus" : "ai-elon" }, `k${i}`));
      ids.push(res.body.id as string);
    }
    const all = await json(await fetch(`${url}/published?limit=50`));
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
    const list = await json(await fetch(`${url}/published?limit=10`));
    expect((list.body.items as { text: string }[]).map((p) => p.text)).toEqual(["post 2", "post 1"]);
    // The forgotten post's key is free again.
    expect((await publish(url, { text: "post 0 again" }, "k0")).status).toBe(201);
  });
});

describe("DEPRECATED GET /posts/:id and /posts/:id/insights", () => {
  it("simulates engagement that grows with time and never shrinks", async () => {
    const { url, clock } = await start();
    const created = (await json(await publish(url, { text: "hello" }, "k"))).body;
    const read = async () => Insights.parse((await json(await fetch(`${url}/posts/${created.id}/insights`))).body);
    const fresh = await read();
    expect(fresh).toMatchObject({ id: created.id, views: 0, likes: 0 });
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
    const created = (await json(await publish(url, { text: "hello" }, "k"))).body;
    expect((await json(await fetch(`${url}/posts/${created.id}`))).body).toEqual(created);
  });
});

describe("DEPRECATED routes' bearer token", () => {
  it("is required when THREADS_ACCESS_TOKEN is set, and any account's valid token passes", async () => {
    const { url } = await start({ THREADS_ACCESS_TOKEN: "s3cret-token-1", THREADS_ACCOUNTS: "ai-jesus:jesus-token-1" });
    const missing = await json(await publish(url, { text: "hi" }, "k"));
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await publish(url, { text: "hi" }, "k", { authorization: "Bearer wrong" })).status).toBe(401);
    expect((await publish(url, { text: "hi" }, "k", { authorization: "Bearer s3cret-token-1" })).status).toBe(201);
    expect((await publish(url, { text: "ho" }, "k2", { authorization: "Bearer jesus-token-1" })).status).toBe(201);
    expect((await fetch(`${url}/published?limit=10`)).status).toBe(401);
    expect((await fetch(`${url}/published?limit=10`, { headers: { authorization: "Bearer s3cret-token-1" } })).status).toBe(200);
    // The original contract, probes and the ping stay open.
    for (const path of ["/published", "/ping", "/health", "/ready", "/metrics"]) expect((await fetch(`${url}${path}`)).status).toBe(200);
  });

  it("is not asked for when no token is configured (the dev default token is for the Graph API)", async () => {
    const { url } = await start();
    expect((await publish(url, { text: "hi" }, "k")).status).toBe(201);
    expect((await fetch(`${url}/published?limit=5`)).status).toBe(200);
  });
});

describe("DEPRECATED fault plan {fail_next, status}", () => {
  const arm = (url: string, body: unknown) => post(url, "/_faults", body);

  it("fails the next n publish calls with the chosen status, storing nothing", async () => {
    const { url } = await start();
    expect((await json(await arm(url, { fail_next: 2, status: 503 }))).body).toEqual({ fail_next: 2, status: 503 });
    const first = await json(await publish(url, { text: "hi" }, "task-1"));
    expect(first.status).toBe(503);
    expect(first.headers.get("retry-after")).toBe("1");
    expect(first.body).toMatchObject({ type: expect.stringMatching(/injected-fault$/), detail: expect.stringMatching(/1 more/) });
    expect((await publish(url, { text: "hi" }, "task-1")).status).toBe(503);
    expect((await publish(url, { text: "hi" }, "task-1")).status).toBe(201);
    expect(await bare(url)).toHaveLength(1);
    expect((await json(await fetch(`${url}/_faults`))).body).toEqual({ fail_next: 0, status: 503, rules: [] });
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(
      /threads_injected_faults_total\{[^}]*endpoint="legacy_publish"[^}]*\} 2\n/,
    );
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

  it("drops a publish's response after storing it, with a rule for legacy_publish", async () => {
    const { url } = await start();
    expect((await arm(url, { endpoint: "legacy_publish", drop_response: true })).status).toBe(201);
    await expect(publish(url, { text: "lost answer" }, "task-9")).rejects.toThrow();
    // The retry with the same key finds the stored post: the deprecated API's own exactly-once.
    const retry = await json(await publish(url, { text: "lost answer" }, "task-9"));
    expect(retry).toMatchObject({ status: 200, body: { idempotency_key: "task-9" } });
  });

  it("is absent when FAULT_INJECTION is off", async () => {
    const { url } = await start({ FAULT_INJECTION: "false" });
    expect((await arm(url, { fail_next: 1 })).status).toBe(404);
  });
});
