// Trend sources end to end: a local feed server (RSS and Atom files this test writes) feeds two
// personas through the running stack. Items are stored once however often they are polled (the
// BullMQ job scheduler polls every second here, and the test polls by hand on top), a task without
// input takes its persona's freshest unused item and marks it used, and the post goes out on
// (fake) Threads.

import { waitFor } from "@threads-agent/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, startPipeline } from "../pipeline/stack-fixture.ts";
import { atomFeed, type FeedServer, rssFeed, startFeedServer } from "./feed-server.ts";

type Trend = { id: string; title: string; guid: string; used_at: string | null; task_id: string | null; published_at: string | null };
type Poll = {
  source: { id: string; title: string | null; last_error: string | null; trends: number; last_polled_at: string | null };
  fetched: number;
  added: number;
};

let f: Fixture;
let feeds: FeedServer;
const hour = 3600_000;
const base = Date.parse("2026-11-30T12:00:00Z");
const rssItems = [
  {
    title: "Remote teams quietly drop daily standups",
    guid: "rss-1",
    link: "https://example.com/a",
    summary: "Async updates win.",
    date: new Date(base - 3 * hour),
  },
  {
    title: "Open-source maintainers burn out faster than ever",
    guid: "rss-2",
    link: "https://example.com/b",
    date: new Date(base - 1 * hour),
  },
  // No guid: the link is its identity.
  {
    title: "The four-day week pilot results are in",
    link: "https://example.com/c",
    summary: "Output held steady.",
    date: new Date(base - 2 * hour),
  },
];
const atomItems = [
  {
    title: "Rockets that land themselves are boring now",
    guid: "urn:atom:1",
    link: "https://example.org/1",
    date: new Date(base - 5 * hour),
  },
  {
    title: "Battery prices fall below a new line",
    guid: "urn:atom:2",
    link: "https://example.org/2",
    summary: "Cheaper cells everywhere.",
    date: new Date(base - 4 * hour),
  },
];

beforeAll(async () => {
  feeds = await startFeedServer();
  await feeds.write("news.rss", rssFeed("Work news", rssItems));
  await feeds.write("tech.atom", atomFeed("Tech news", atomItems));
  f = await startPipeline({ ALLOW_PRIVATE_FEEDS: "true", TREND_POLL_SECONDS: "1" });
}, 120_000);
afterAll(async () => {
  await f?.stack.stop();
  await feeds?.close();
});

const trends = async (persona: string, unused?: boolean) =>
  (await f.json<{ items: Trend[] }>(`/v1/trends?persona_id=${persona}${unused === undefined ? "" : `&unused=${unused}`}`)).body.items;
const stored = async (persona: string) => f.db.trend.count({ where: { persona_id: persona } });

describe("trend sources", () => {
  const sources: Record<string, string> = {};

  it("adding a feed polls it at once: RSS for ai-jesus, Atom and the same RSS for ai-elon", async () => {
    for (const [persona, name, expected] of [
      ["ai-jesus", "news.rss", 3],
      ["ai-elon", "tech.atom", 2],
      ["ai-elon", "news.rss", 3],
    ] as const) {
      const res = await f.json<Poll>("/v1/trend-sources", { method: "POST", body: { persona_id: persona, url: feeds.url(name) } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      expect(res.headers.get("location")).toBe(`/v1/trend-sources/${res.body.source.id}`);
      expect(res.body.fetched).toBe(expected);
      expect(res.body.source.last_error).toBeNull();
      sources[`${persona}:${name}`] = res.body.source.id;
    }
    const atom = (await f.json<Poll["source"]>(`/v1/trend-sources/${sources["ai-elon:tech.atom"]}`)).body;
    expect(atom.title).toBe("Tech news");
    expect(await stored("ai-jesus")).toBe(3);
    expect(await stored("ai-elon")).toBe(5);
  });

  it("the same feed twice for one persona is a 409; a second identical poll stores nothing", async () => {
    const again = await f.json("/v1/trend-sources", { method: "POST", body: { persona_id: "ai-jesus", url: feeds.url("news.rss") } });
    expect(again.status).toBe(409);
    const first = await f.json<Poll>(`/v1/trend-sources/${sources["ai-jesus:news.rss"]}/poll`, { method: "POST" });
    const second = await f.json<Poll>(`/v1/trend-sources/${sources["ai-jesus:news.rss"]}/poll`, { method: "POST" });
    expect([first.body.fetched, first.body.added, second.body.fetched, second.body.added]).toEqual([3, 0, 3, 0]);
    expect(await stored("ai-jesus")).toBe(3);
  });

  it("the job scheduler keeps polling on its own, and a new item is stored once", async () => {
    const before = feeds.requests("news.rss");
    await waitFor("two scheduled polls of news.rss", async () => feeds.requests("news.rss") >= before + 2 || null, 30_000, 200);
    const fresh = { title: "Meetings without agendas are cancelled by default", guid: "rss-4", date: new Date(base) };
    await feeds.write("news.rss", rssFeed("Work news", [...rssItems, fresh]));
    await waitFor(
      "the new item for both personas",
      async () => ((await stored("ai-jesus")) === 4 && (await stored("ai-elon")) === 6) || null,
      30_000,
      200,
    );
    // More polls of the same file add nothing.
    const now = feeds.requests("news.rss");
    await waitFor("two more polls", async () => feeds.requests("news.rss") >= now + 2 || null, 30_000, 200);
    expect(await stored("ai-jesus")).toBe(4);
    expect(await stored("ai-elon")).toBe(6);
    expect(await f.db.trend.count({ where: { persona_id: "ai-jesus", guid: "rss-4" } })).toBe(1);
    expect(await f.db.trend.count({ where: { persona_id: "ai-jesus", guid: "https://example.com/c" } })).toBe(1);
  });

  it("GET /v1/trends lists a persona's trends freshest first", async () => {
    const list = await trends("ai-jesus", true);
    expect(list.map((t) => t.title)).toEqual([
      "Meetings without agendas are cancelled by default",
      "Open-source maintainers burn out faster than ever",
      "The four-day week pilot results are in",
      "Remote teams quietly drop daily standups",
    ]);
    expect(list.every((t) => t.used_at === null && t.task_id === null)).toBe(true);
  });

  it("a task without input takes the persona's freshest unused trend, marks it used and publishes on it", async () => {
    const [freshest, next] = await trends("ai-jesus", true);
    const task = await f.createTask({ persona_id: "ai-jesus" });
    expect(task.trend_id).toBe(freshest?.id);
    expect(task.input).toContain("Meetings without agendas are cancelled by default");
    const second = await f.createTask({ persona_id: "ai-jesus" });
    expect(second.trend_id).toBe(next?.id);

    const unused = await trends("ai-jesus", true);
    expect(unused.map((t) => t.id)).not.toContain(freshest?.id);
    expect(unused).toHaveLength(2);
    const used = await trends("ai-jesus", false);
    expect(used.find((t) => t.id === freshest?.id)).toMatchObject({ task_id: task.id, used_at: expect.any(String) });

    await f.waitForStatus(task.id, "succeeded", 60_000);
    const posts = await f.published(task.id);
    expect(posts).toHaveLength(1);
    // The other persona's copy of the same item is still unused: trends are per persona.
    expect((await trends("ai-elon", true)).map((t) => t.guid)).toContain("rss-4");
  });

  it("the original minimal POST /task takes the freshest unused trend too", async () => {
    const [freshest] = await trends("ai-elon", true);
    const res = await fetch(`${f.api}/task`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ persona_id: "ai-elon", task_type: "create_post" }),
    });
    expect(res.status).toBe(200);
    const { task_id } = (await res.json()) as { task_id: string };
    const task = (await f.json<{ trend_id: string; input: string }>(`/v1/tasks/${task_id}`)).body;
    expect(task.trend_id).toBe(freshest?.id);
    expect(task.input).toContain(freshest?.title);
  });

  it("with every trend used, a task without input is a 422 naming input", async () => {
    for (const _ of await trends("ai-jesus", true)) await f.createTask({ persona_id: "ai-jesus" });
    expect(await trends("ai-jesus", true)).toEqual([]);
    const res = await f.json<{ type: string; errors: { field: string }[]; detail: string }>("/v1/tasks", {
      method: "POST",
      body: { persona_id: "ai-jesus" },
    });
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toMatch(/application\/problem\+json/);
    expect(res.body.type).toMatch(/no-unused-trend$/);
    expect(res.body.errors.map((e) => e.field)).toEqual(["input"]);
  });

  it("the orchestrator's /metrics counts the polls and the trends stored", async () => {
    const text = await (await fetch(`${f.api}/metrics`)).text();
    // Every series carries service="orchestrator" besides its own labels.
    const value = (name: string, label = "") =>
      Number(new RegExp(`^${name}\\{[^}]*${label}[^}]*\\} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
    // 3 + 2 + 3 items at first, then the new one for both personas.
    expect(value("trends_stored_total")).toBe(10);
    expect(value("trend_polls_total", 'outcome="ok"')).toBeGreaterThan(3);
    expect(value("trend_polls_total", 'outcome="failed"')).toBe(0);
  });

  it("DELETE /v1/trend-sources/:id stops a feed: its unused trends go, used ones stay with their tasks", async () => {
    const id = sources["ai-elon:news.rss"] as string;
    const usedBefore = await f.db.trend.count({ where: { persona_id: "ai-elon", used_at: { not: null } } });
    expect((await f.json(`/v1/trend-sources/${id}`, { method: "DELETE" })).status).toBe(204);
    expect((await f.json(`/v1/trend-sources/${id}`, { method: "DELETE" })).status).toBe(404);
    const listed = (await f.json<{ items: { id: string }[] }>("/v1/trend-sources?persona_id=ai-elon")).body.items;
    expect(listed.map((s) => s.id)).toEqual([sources["ai-elon:tech.atom"]]);
    expect(await f.db.trend.count({ where: { source_id: id } })).toBe(0);
    expect(await f.db.trend.count({ where: { persona_id: "ai-elon", used_at: { not: null } } })).toBe(usedBefore);
    expect((await trends("ai-elon", true)).every((t) => t.guid.startsWith("urn:atom:"))).toBe(true);
  });
});
