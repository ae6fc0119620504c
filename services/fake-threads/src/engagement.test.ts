import { describe, expect, it } from "vitest";
import { insightsFor } from "./engagement.ts";

const published = Date.parse("2026-11-21T10:00:00.000Z");
const post = (id: string) => ({ id, published_at: new Date(published).toISOString() });
const at = (minutes: number) => published + minutes * 60_000;

describe("insightsFor", () => {
  it("is deterministic for a post and a moment", () => {
    expect(insightsFor(post("17900000000000001"), at(90))).toEqual(insightsFor(post("17900000000000001"), at(90)));
  });

  it("starts at zero and only ever grows", () => {
    expect(insightsFor(post("1"), published)).toMatchObject({ views: 0, likes: 0, engagement_rate: 0 });
    let previous = insightsFor(post("1"), published);
    for (const minutes of [1, 5, 30, 60, 180, 720, 1440, 4320, 20000]) {
      const next = insightsFor(post("1"), at(minutes));
      for (const key of ["views", "likes", "replies", "reposts", "quotes"] as const)
        expect(next[key]).toBeGreaterThanOrEqual(previous[key]);
      previous = next;
    }
    expect(previous.views).toBeGreaterThan(0);
  });

  it("grows fast at first and flattens over days", () => {
    const ids = Array.from({ length: 50 }, (_, i) => String(17_900_000_000_000_000n + BigInt(i)));
    const total = (minutes: number) => ids.reduce((sum, id) => sum + insightsFor(post(id), at(minutes)).views, 0);
    const firstHour = total(60);
    const firstDay = total(1440);
    const firstWeek = total(7 * 1440);
    expect(firstHour).toBeGreaterThan(0);
    expect(total(10)).toBeGreaterThan(0); // something to see within minutes of a demo
    expect(firstDay - firstHour).toBeGreaterThan(0);
    // The second week adds far less than the first day.
    expect(total(14 * 1440) - firstWeek).toBeLessThan(firstDay);
  });

  it("keeps believable ratios and differs between posts", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 30; i++) {
      const insights = insightsFor(post(String(1000 + i)), at(3 * 1440));
      seen.add(insights.views);
      expect(insights.likes).toBeLessThanOrEqual(insights.views * 0.08);
      expect(insights.replies).toBeLessThanOrEqual(insights.likes);
      expect(insights.quotes).toBeLessThanOrEqual(insights.reposts);
      expect(insights.engagement_rate).toBeGreaterThanOrEqual(0);
      expect(insights.engagement_rate).toBeLessThan(0.2);
    }
    expect(seen.size).toBeGreaterThan(20);
  });

  it("shows nothing for a publish time in the future (clock skew)", () => {
    expect(insightsFor(post("5"), published - 60_000).views).toBe(0);
  });
});
