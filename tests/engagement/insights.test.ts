// Engagement read back, through the whole stack as processes: posts published to fake-threads
// (its clock accelerated 3600x, so a second of the test is an hour of the posts' lives), insights
// read at second-scale INSIGHTS_SCHEDULE offsets into the time series, the latest reading on
// GET /v1/posts/:id, follower counts, the persona's stats (cost per follower = LLM spend over
// followers gained, the spend being what the pipeline recorded for priced model calls against an
// OpenAI stand-in), the KPI gauges on /metrics, and an insights outage that defers readings
// without touching the published task.
import { ENGAGEMENT_TARGETS, engagementRateOf, type PersonaStats, type Post, type PostInsights } from "@threads-agent/contracts";
import { waitFor } from "@threads-agent/testing";
import { type LlmStandIn, type StandInCall, startLlmStandIn } from "@threads-agent/testing/llm-stand-in";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLinkedPersona, type Fixture, startPipeline } from "../pipeline/stack-fixture.ts";

/** The API rounds rates and costs to `places` decimals: within half a unit of the last place of the exact value (a tie may round either way). */
function expectRounded(actual: number | null | undefined, exact: number, places: number) {
  expect(actual).toBeTypeOf("number");
  expect(Math.abs((actual as number) - exact)).toBeLessThanOrEqual(0.5 * 10 ** -places + 1e-12);
}

const OPENAI_KEY = "sk-stand-in-engagement";
let standIn: LlmStandIn;
let f: Fixture;
const PERSONA = "ai-insights";
let replies = 0;

// Lines that share few words, so the near-duplicate check sees distinct posts.
const HOOKS = [
  "Why are solar farms suddenly cheaper than coal plants?",
  "Arizona deserts now grow chip fabs instead of cotton.",
  "Old phone batteries became a billion dollar mine.",
  "Commuter rail quietly got twice as fast overnight.",
  "Your kitchen robot might cook better than you.",
  "Open weights changed who gets to build models.",
];
const BODIES = [
  "Panels keep dropping in price every quarter. Utilities finally noticed and rewrote their plans.",
  "Foundries need water, power and patient money. Phoenix offered all three, and the cranes arrived.",
  "Lithium, cobalt and nickel come back out of shredded cells. Recyclers now sell to carmakers directly.",
  "Signals, track upgrades and fewer stops did it. Riders shaved twenty minutes off daily trips.",
  "Vision models learned knife work from video. Restaurants trial them on night shifts first.",
  "Anyone with a laptop can fine-tune something useful. That shifts power away from a few labs.",
];
function reply(call: StandInCall): string {
  const n = replies++;
  const pick = (list: string[]) => list[Math.floor(n / 2) % list.length] as string;
  return (call.maxTokens ?? 0) <= 80 ? pick(HOOKS) : pick(BODIES);
}

beforeAll(async () => {
  standIn = await startLlmStandIn({ keys: { openai: OPENAI_KEY }, reply });
  f = await startPipeline(
    {
      INSIGHTS_SCHEDULE: "1s,2s,3s",
      FOLLOWERS_INTERVAL_MS: "1000",
      INSIGHTS_RETRY_MAX_MS: "500",
      ENGAGEMENT_METRICS_WINDOW: "1d",
    },
    undefined,
    {
      "persona-runtime": { OPENAI_API_KEY: OPENAI_KEY, OPENAI_BASE_URL: standIn.openaiBaseUrl },
      "fake-threads": { PUBLISH_QUOTA: "1000", TOKEN_LIFETIME_S: String(5 * 365 * 86_400) },
    },
  );
  // The persona publishes as its own fake-threads account, linked as a user would.
  const account = await f.threads.account(PERSONA.replace(/-/g, "."), { best_style: "question", base_followers: 400 });
  await createLinkedPersona(
    f,
    {
      id: PERSONA,
      name: "AI Insights",
      emoji: "📈",
      temperament: "calm",
      description: "Reads the numbers back.",
      hook_prompt: "Write a hook about {input}",
      body_prompt: "Write a body for {hook} about {input}",
      hook_model: "openai/gpt-4o-mini",
      body_model: "openai/gpt-4o-mini",
    },
    account.access_token,
  );
  // An hour of the posts' lives per second of the test.
  await f.threads.clockSpeed(3600);
}, 120_000);
afterAll(async () => {
  if (process.env.ENGAGEMENT_TEST_LOGS) (await import("node:fs")).writeFileSync(process.env.ENGAGEMENT_TEST_LOGS, f.logs.join("\n"));
  await f?.stack.stop();
  await standIn?.close();
});

const stats = async (window = "1d") => (await f.json<PersonaStats>(`/v1/personas/${PERSONA}/stats?window=${window}`)).body;

describe("insights at second-scale offsets", () => {
  const taskIds: string[] = [];
  const posts: Post[] = [];

  it("collects a follower count before any post (the scheduler, every second here)", async () => {
    // Counts taken before the link were the default account's; the linked account's 400 follows.
    await waitFor("the linked account's follower count", async () => ((await stats()).followers === 400 ? true : null), 20_000, 200);
    expect((await stats()).followers_gained).toBe(0);
  });

  it("reads each post's insights at every offset into a time series, and the post carries the latest", async () => {
    for (const input of ["Solar beats coal on price", "Chip fabs go to Arizona", "Battery recycling scales up"]) {
      const task = await f.createTask({ persona_id: PERSONA, task_type: "trend", input });
      taskIds.push(task.id);
    }
    for (const id of taskIds) {
      const task = (await f.waitForStatus(id, "succeeded", 60_000)) as { post: Post };
      posts.push(task.post);
      expect(task.post.hook_style).toMatch(/^[a-z_]+$/);
    }
    for (const post of posts) {
      const series = await waitFor(
        `three readings of post ${post.id}`,
        async () => {
          const res = await f.json<PostInsights>(`/v1/posts/${post.id}/insights`);
          return res.body.items.length >= 3 ? res.body : null;
        },
        30_000,
        200,
      );
      expect(series.published_id).toBe(post.published_id);
      expect(series.items.map((p) => p.offset_seconds)).toEqual([1, 2, 3]);
      // The post ages an hour a second: its numbers only grow, and reach realistic sizes.
      for (let i = 1; i < series.items.length; i++) {
        const [before, after] = [series.items[i - 1], series.items[i]] as [PostInsights["items"][0], PostInsights["items"][0]];
        for (const metric of ["views", "likes", "replies", "reposts", "quotes", "shares"] as const)
          expect(after[metric]).toBeGreaterThanOrEqual(before[metric]);
      }
      const last = series.items.at(-1) as PostInsights["items"][0];
      expect(last.views).toBeGreaterThan(0);
      expect(last.rate).toBe(engagementRateOf(last));
      const got = (await f.json<Post>(`/v1/posts/${post.id}`)).body;
      expect(got.engagement).toEqual({
        views: last.views,
        likes: last.likes,
        replies: last.replies,
        reposts: last.reposts,
        quotes: last.quotes,
        shares: last.shares,
        rate: last.rate,
        collected_at: last.collected_at,
      });
      expectRounded(got.engagement?.rate, (last.likes + last.replies + last.reposts + last.quotes) / last.views, 6);
    }
  }, 180_000);

  it("gives the persona's stats: views and rate of its posts, followers gained, and cost per follower = spend / followers gained", async () => {
    // Followers grow with the posts' interactions; wait until some were gained.
    const s = await waitFor("followers gained", async () => ((await stats()).followers_gained > 0 ? stats() : null), 120_000, 300);
    expect(s.posts).toBe(3);
    expect(s.posts_with_insights).toBe(3);
    const latest = await Promise.all(posts.map(async (p) => (await f.json<Post>(`/v1/posts/${p.id}`)).body.engagement));
    // Every reading has landed: the stats sum the posts' latest ones.
    expect(s.views).toBe(latest.reduce((sum, e) => sum + (e?.views ?? 0), 0));
    expect(s.interactions).toBe(latest.reduce((sum, e) => sum + (e ? e.likes + e.replies + e.reposts + e.quotes : 0), 0));
    expectRounded(s.engagement_rate, s.interactions / s.views, 6);
    const spent = await f.db.task.findMany({ where: { id: { in: taskIds } }, select: { cost_usd: true } });
    const spend = spent.reduce((sum, t) => sum + Number(t.cost_usd), 0);
    expect(spend).toBeGreaterThan(0);
    expect(s.llm_spend_usd).toBeCloseTo(spend, 8);
    expect(s.followers_gained).toBe((s.followers ?? 0) - 400);
    expectRounded(s.cost_per_follower_usd, s.llm_spend_usd / s.followers_gained, 8);
    expect(s.targets).toEqual(ENGAGEMENT_TARGETS);
    expect(s.on_target.cost_per_follower).toBe((s.cost_per_follower_usd as number) <= 0.01);
    console.log(`[insights] stats of ${PERSONA}: ${JSON.stringify(s)}`);
  }, 180_000);

  it("exports posts_engagement_rate and cost_per_follow_dollars for the persona", async () => {
    const text = await (await fetch(`${f.api}/metrics`)).text();
    const value = (name: string) => Number(new RegExp(`^${name}\\{[^}]*persona_id="${PERSONA}"[^}]*\\} (\\S+)$`, "m").exec(text)?.[1]);
    expect(value("posts_engagement_rate")).toBeGreaterThan(0);
    expect(value("cost_per_follow_dollars")).toBeGreaterThan(0);
    // Known personas are there from the start, at 0 until they have numbers.
    expect(text).toMatch(/^posts_engagement_rate\{[^}]*persona_id="ai-jesus"[^}]*\} 0$/m);
  });

  it("defers readings while Threads' insights fail, never touching the published task", async () => {
    await f.threads.fault({ endpoint: "insights", status: 503, times: 4 });
    const task = await f.createTask({ persona_id: PERSONA, task_type: "trend", input: "City trains get faster" });
    const done = (await f.waitForStatus(task.id, "succeeded", 60_000)) as { post: Post };
    const series = await waitFor(
      "readings after the outage",
      async () => {
        const res = await f.json<PostInsights>(`/v1/posts/${done.post.id}/insights`);
        return res.body.items.length >= 3 ? res.body : null;
      },
      60_000,
      300,
    );
    expect(series.items.length).toBe(3);
    expect((await f.json<{ status: string }>(`/v1/tasks/${task.id}`)).body.status).toBe("succeeded");
    expect(f.logs.some((l) => l.includes("reading deferred"))).toBe(true);
  }, 120_000);
});
