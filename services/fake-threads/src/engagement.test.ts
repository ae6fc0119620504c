import { SEEDED_HOOK_STYLES, type SeededHookStyle } from "@threads-agent/contracts";
import { describe, expect, it } from "vitest";
import {
  baseRate,
  type EngagedAccount,
  engagementRate,
  followersCount,
  type MediaMetrics,
  mediaMetrics,
  postRate,
  styleLift,
} from "./engagement.ts";

const published = Date.parse("2026-11-21T10:00:00.000Z");
const at = (minutes: number) => published + minutes * 60_000;
const account: EngagedAccount = { id: "1234567890123456", bestStyle: "how_to", baseFollowers: 200 };
const post = (id: string, text = "🙏 Rest is holy 🙏\n\nbody") => ({ id, text, publishedAt: published });
const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => String(17_900_000_000_000_000n + BigInt(from + i)));

const HOOKS: Record<SeededHookStyle | "other", string> = {
  question: "Why do we keep burning out?",
  bold_number: "3 habits that saved my launch",
  contrarian: "Unpopular opinion: rest is productive",
  short_story: "Yesterday I shipped on a Friday",
  how_to: "How to rest without guilt",
  other: "Rest is holy",
};
const textFor = (style: SeededHookStyle | "other") => `🙏 ${HOOKS[style]} 🙏\n\nA body that says something.`;
const interactions = (m: MediaMetrics) => m.likes + m.replies + m.reposts + m.quotes + m.shares;

describe("mediaMetrics", () => {
  it("is deterministic for a post and a moment", () => {
    expect(mediaMetrics(post("17900000000000001"), account, at(90))).toEqual(mediaMetrics(post("17900000000000001"), account, at(90)));
  });

  it("starts at zero and only ever grows", () => {
    for (const id of ids(20)) {
      let previous = mediaMetrics(post(id), account, published);
      expect(previous).toEqual({ views: 0, likes: 0, replies: 0, reposts: 0, quotes: 0, shares: 0 });
      for (const minutes of [1, 5, 30, 60, 180, 720, 1440, 4320, 20_000]) {
        const next = mediaMetrics(post(id), account, at(minutes));
        for (const key of Object.keys(next) as (keyof MediaMetrics)[]) expect(next[key]).toBeGreaterThanOrEqual(previous[key]);
        previous = next;
      }
      expect(previous.views).toBeGreaterThan(0);
    }
  });

  it("grows fast at first and flattens over days", () => {
    const total = (minutes: number) => ids(50).reduce((sum, id) => sum + mediaMetrics(post(id), account, at(minutes)).views, 0);
    const firstDay = total(1440);
    expect(total(10)).toBeGreaterThan(0); // something to see within minutes of a demo
    expect(firstDay).toBeGreaterThan(total(60));
    // The second week adds far less than the first day.
    expect(total(14 * 1440) - total(7 * 1440)).toBeLessThan(firstDay);
  });

  it("keeps believable ratios and differs between posts", () => {
    const seen = new Set<number>();
    const sum: MediaMetrics = { views: 0, likes: 0, replies: 0, reposts: 0, quotes: 0, shares: 0 };
    for (const id of ids(200)) {
      const m = mediaMetrics(post(id), account, at(3 * 1440));
      seen.add(m.views);
      for (const key of Object.keys(sum) as (keyof MediaMetrics)[]) sum[key] += m[key];
      if (m.views >= 100) expect(engagementRate(m)).toBeLessThan(0.2);
    }
    expect(seen.size).toBeGreaterThan(100);
    // Likes dominate; replies, reposts, shares and quotes follow, as on Threads.
    expect(sum.likes).toBeGreaterThan(4 * sum.replies);
    expect(sum.replies).toBeGreaterThan(sum.quotes);
    expect(sum.reposts).toBeGreaterThan(sum.quotes);
  });

  it("shows nothing for a publish time in the future (clock skew)", () => {
    expect(mediaMetrics(post("5"), account, published - 60_000).views).toBe(0);
  });
});

describe("hook styles", () => {
  it("lifts the account's best style 2x, leaves the other seeded styles at 1x and unknown hooks below", () => {
    expect(styleLift("how_to", "how_to")).toBe(2);
    expect(styleLift("question", "how_to")).toBe(1);
    expect(styleLift("other", "how_to")).toBe(0.85);
  });

  it("gives ordinary styles 2-4% engagement and the best style about twice that, over 200 posts each", () => {
    const rates = new Map<string, number>();
    for (const [s, style] of [...SEEDED_HOOK_STYLES, "other" as const].entries()) {
      let views = 0;
      let acts = 0;
      for (const id of ids(200, s * 1000)) {
        const m = mediaMetrics(post(id, textFor(style)), account, at(3 * 1440));
        views += m.views;
        acts += interactions(m);
      }
      rates.set(style, acts / views);
    }
    const best = rates.get("how_to")!;
    for (const style of ["question", "bold_number", "contrarian", "short_story"]) {
      const rate = rates.get(style)!;
      expect(rate, style).toBeGreaterThan(0.02);
      expect(rate, style).toBeLessThan(0.04);
      expect(best / rate, `how_to vs ${style}`).toBeGreaterThan(1.6);
      expect(best / rate, `how_to vs ${style}`).toBeLessThan(2.5);
    }
    expect(rates.get("other")!).toBeLessThan(rates.get("question")! * 1.05);
  });

  it("draws the per-post rate around the account's base rate", () => {
    expect(baseRate(account.id)).toBeGreaterThanOrEqual(0.025);
    expect(baseRate(account.id)).toBeLessThan(0.035);
    const rates = ids(400).map((id) => postRate(post(id, textFor("question")), account));
    const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
    expect(mean / baseRate(account.id)).toBeGreaterThan(0.9);
    expect(mean / baseRate(account.id)).toBeLessThan(1.1);
    expect(new Set(rates.map((r) => r.toFixed(4))).size).toBeGreaterThan(100);
  });
});

describe("followersCount", () => {
  it("starts at the base and grows with engagement, faster for posts in the best style", () => {
    const ordinary = ids(100).map((id) => post(id, textFor("question")));
    const best = ids(100).map((id) => post(id, textFor("how_to")));
    expect(followersCount(account, ordinary, published)).toBe(200);
    const day = at(1440);
    const week = at(7 * 1440);
    const ordinaryWeek = followersCount(account, ordinary, week);
    expect(followersCount(account, ordinary, day)).toBeGreaterThan(200);
    expect(ordinaryWeek).toBeGreaterThan(followersCount(account, ordinary, day));
    const gained = (posts: typeof ordinary) => followersCount(account, posts, week) - 200;
    expect(gained(best) / gained(ordinary)).toBeGreaterThan(1.6);
  });
});
