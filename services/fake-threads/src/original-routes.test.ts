// The endpoints from before the Graph API: the ORIGINAL threads-agent contract, exactly as the
// original e2e tests use it.
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
    const { url } = await start({ THREADS_USERNAME: "ai-elon", THREADS_ACCOUNTS: "ai-jesus:jesus-token-1" });
    await post(url, "/publish", { topic: "someone", content: "original" });
    for (const [token, text] of [
      [DEV_ACCESS_TOKEN, "🚀 Graph 🚀"],
      ["jesus-token-1", "🙏 Graph 🙏"],
    ] as const) {
      const auth = { authorization: `Bearer ${token}` };
      const container = await json(await post(url, "/v1.0/me/threads", { media_type: "TEXT", text }, auth));
      expect((await post(url, "/v1.0/me/threads_publish", { creation_id: container.body.id }, auth)).status).toBe(200);
    }
    expect((await bare(url)).map((p) => [p.topic, p.content])).toEqual([
      ["someone", "original"],
      ["ai-elon", "🚀 Graph 🚀"],
      ["ai-jesus", "🙏 Graph 🙏"],
    ]);
    // Any query is ignored, as the original ignored it: still the bare array.
    expect(await (await fetch(`${url}/published?limit=1`)).json()).toHaveLength(3);
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

describe("faults of the original POST /publish (endpoint legacy_publish)", () => {
  const arm = (url: string, body: unknown) => post(url, "/_faults", body);

  it("fails the chosen calls with problem+json, storing nothing", async () => {
    const { url } = await start();
    expect((await arm(url, { endpoint: "legacy_publish", times: 2, status: 503 })).status).toBe(201);
    const first = await fetch(`${url}/publish`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ topic: "t", content: "c" }),
    });
    expect(first.status).toBe(503);
    expect(first.headers.get("retry-after")).toBe("1");
    expect(first.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect((await post(url, "/publish", { topic: "t", content: "c" })).status).toBe(503);
    expect((await post(url, "/publish", { topic: "t", content: "c" })).status).toBe(200);
    expect(await bare(url)).toHaveLength(1);
    expect((await json(await fetch(`${url}/_faults`))).body).toEqual({ rules: [] });
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(
      /threads_injected_faults_total\{[^}]*endpoint="legacy_publish"[^}]*\} 2\n/,
    );
  });

  it("drops the answer of a publish it stored", async () => {
    const { url } = await start();
    expect((await arm(url, { endpoint: "legacy_publish", drop_response: true })).status).toBe(201);
    await expect(post(url, "/publish", { topic: "t", content: "lost answer" })).rejects.toThrow();
    expect((await bare(url)).map((p) => p.content)).toEqual(["lost answer"]);
  });

  it("refuses a rule that does nothing, and is absent when FAULT_INJECTION is off", async () => {
    const { url } = await start();
    const bad = await json(await arm(url, { endpoint: "legacy_publish" }));
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { field: string }[]).map((e) => e.field)).toEqual(["status"]);
    const off = await start({ FAULT_INJECTION: "false" });
    expect((await arm(off.url, { endpoint: "legacy_publish", status: 503 })).status).toBe(404);
  });
});
