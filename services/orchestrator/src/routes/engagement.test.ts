// A persona's hook styles (the five seeded plus its own, with the bandit's figures), its stats
// against the targets, and a post's insights, through the API against this run's database.
import { randomBytes } from "node:crypto";
import { ENGAGEMENT_TARGETS, newId, SEEDED_HOOK_STYLE_IDS } from "@threads-agent/contracts";
import { recordFollowers, recordInsight } from "@threads-agent/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Orchestrator, startOrchestrator } from "../test-fixture.ts";

let o: Orchestrator;
let persona: string;

beforeAll(async () => {
  o = await startOrchestrator();
  persona = `eng-${randomBytes(3).toString("hex")}`;
  await o.db.persona.create({
    data: {
      id: persona,
      name: "Eng",
      emoji: "📈",
      temperament: "calm",
      description: "d",
      hook_prompt: "h {input}",
      body_prompt: "b {hook}",
    },
  });
});
afterAll(async () => {
  await o?.close();
});

const post = (url: string, payload: unknown) =>
  o.app.inject({ method: "POST", url, headers: { "content-type": "application/json" }, payload: JSON.stringify(payload) });

/** A published post of the persona in `style`, with one insights reading. */
async function publishedPost(style: string, counts: { views: number; likes: number; replies?: number }) {
  const taskId = newId();
  await o.db.task.create({ data: { id: taskId, persona_id: persona, input: `in ${taskId}`, status: "succeeded", cost_usd: 0.002 } });
  await o.db.llmCall.create({
    data: {
      id: newId(),
      task_id: taskId,
      step: "hook",
      provider: "openai",
      model: "gpt-4o-mini",
      tokens_in: 1,
      tokens_out: 1,
      cost_usd: 0.002,
      latency_ms: 1,
      reason: "primary",
    },
  });
  const row = await o.db.post.create({
    data: {
      id: newId(),
      task_id: taskId,
      persona_id: persona,
      hook: "h",
      body: "b",
      text: `t ${taskId}`,
      hook_style: style,
      published_id: `${Date.now()}${Math.floor(Math.random() * 1e6)}`,
    },
  });
  await recordInsight(o.db, row.id, 3600, {
    views: counts.views,
    likes: counts.likes,
    replies: counts.replies ?? 0,
    reposts: 0,
    quotes: 0,
    shares: 5,
  });
  return row;
}

describe("hook styles", () => {
  it("lists the five seeded styles with empty posteriors for a new persona", async () => {
    const res = await o.app.inject({ method: "GET", url: `/v1/personas/${persona}/hook-styles` });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.items.map((s: { id: string }) => s.id)).toEqual([...SEEDED_HOOK_STYLE_IDS]);
    expect(body.items[0]).toMatchObject({
      seeded: true,
      pulls: 0,
      mean_engagement: null,
      posterior: { alpha: 1, beta: 1, mean: 0.5 },
      share: 0,
    });
  });

  it("adds a style of the persona's own; refuses seeded ids, repeats, bad ids and unknown personas", async () => {
    const created = await post(`/v1/personas/${persona}/hook-styles`, {
      id: "myth_buster",
      name: "Myth buster",
      instruction: "Open by naming a myth the reader believes, then say plainly that it is wrong.",
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ id: "myth_buster", seeded: false, pulls: 0, description: "" });
    expect(
      (await post(`/v1/personas/${persona}/hook-styles`, { id: "myth_buster", name: "Again", instruction: "Something else entirely." }))
        .statusCode,
    ).toBe(409);
    expect(
      (await post(`/v1/personas/${persona}/hook-styles`, { id: "question", name: "Mine", instruction: "My own question style." }))
        .statusCode,
    ).toBe(409);
    const bad = await post(`/v1/personas/${persona}/hook-styles`, { id: "Myth Buster", name: "x", instruction: "short" });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(["id", "instruction"]);
    expect(
      (await post("/v1/personas/nobody-here/hook-styles", { id: "x_style", name: "x", instruction: "A long enough instruction." }))
        .statusCode,
    ).toBe(404);
    const list = (await o.app.inject({ method: "GET", url: `/v1/personas/${persona}/hook-styles` })).json();
    expect(list.items.at(-1)).toMatchObject({ id: "myth_buster", instruction: expect.stringContaining("myth") });
  });

  it("counts pulls, mean engagement, the Beta posterior and the share from published posts' latest readings", async () => {
    await publishedPost("question", { views: 200, likes: 10 });
    await publishedPost("question", { views: 100, likes: 4, replies: 1 });
    await publishedPost("how_to", { views: 5000, likes: 100 });
    const items = (await o.app.inject({ method: "GET", url: `/v1/personas/${persona}/hook-styles` })).json().items as {
      id: string;
      pulls: number;
      mean_engagement: number | null;
      posterior: { alpha: number; beta: number };
      share: number;
    }[];
    const question = items.find((s) => s.id === "question");
    expect(question).toMatchObject({ pulls: 2, share: 0.6667, posterior: { alpha: 1 + 15, beta: 1 + 285 } });
    expect(question?.mean_engagement).toBeCloseTo((10 / 200 + 5 / 100) / 2, 6);
    // A post that took off counts as at most 1,000 views of evidence.
    const howTo = items.find((s) => s.id === "how_to");
    expect(howTo?.posterior).toMatchObject({ alpha: 1 + 20, beta: 1 + 980 });
  });
});

describe("persona stats", () => {
  it("sums the window's posts, followers gained, spend and cost per follower next to the targets", async () => {
    await recordFollowers(o.db, persona, "1", 100, new Date(Date.now() - 60_000));
    await recordFollowers(o.db, persona, "1", 140, new Date());
    const res = await o.app.inject({ method: "GET", url: `/v1/personas/${persona}/stats?window=1h` });
    expect(res.statusCode, res.body).toBe(200);
    const s = res.json();
    expect(s).toMatchObject({
      posts: 3,
      posts_with_insights: 3,
      views: 5300,
      interactions: 115,
      followers: 140,
      followers_gained: 40,
      targets: ENGAGEMENT_TARGETS,
    });
    expect(s.engagement_rate).toBeCloseTo(115 / 5300, 6);
    expect(s.llm_spend_usd).toBeCloseTo(0.006, 8);
    expect(s.cost_per_follower_usd).toBeCloseTo(0.006 / 40, 8);
    expect(s.on_target).toEqual({ engagement_rate: false, cost_per_follower: true });
    expect(s.window.seconds).toBe(3600);
  });

  it("refuses a window that is not a duration, naming the field", async () => {
    const res = await o.app.inject({ method: "GET", url: `/v1/personas/${persona}/stats?window=week` });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe("window");
    expect((await o.app.inject({ method: "GET", url: "/v1/personas/nobody-here/stats" })).statusCode).toBe(404);
  });
});

describe("post insights", () => {
  it("shows the latest reading on the post and the series on /insights; 404 for an unknown post", async () => {
    const row = await publishedPost("contrarian", { views: 50, likes: 2 });
    await recordInsight(o.db, row.id, 7200, { views: 80, likes: 4, replies: 1, reposts: 1, quotes: 0, shares: 2 });
    const got = (await o.app.inject({ method: "GET", url: `/v1/posts/${row.id}` })).json();
    expect(got.hook_style).toBe("contrarian");
    expect(got.engagement).toMatchObject({ views: 80, likes: 4, replies: 1, reposts: 1, quotes: 0, shares: 2, rate: 0.075 });
    const series = (await o.app.inject({ method: "GET", url: `/v1/posts/${row.id}/insights` })).json();
    expect(series.items.map((p: { offset_seconds: number; views: number }) => [p.offset_seconds, p.views])).toEqual([
      [3600, 50],
      [7200, 80],
    ]);
    expect((await o.app.inject({ method: "GET", url: `/v1/posts/${newId()}/insights` })).statusCode).toBe(404);
  });
});
