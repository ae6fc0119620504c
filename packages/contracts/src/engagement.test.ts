import { describe, expect, it } from "vitest";
import { Duration, DurationList, engagementRateOf, parseDuration } from "./engagement.ts";

describe("durations", () => {
  it("reads a number and one unit", () => {
    expect(parseDuration("90s")).toBe(90_000);
    expect(parseDuration("1.5h")).toBe(5_400_000);
    expect(parseDuration("7d")).toBe(604_800_000);
    expect(parseDuration("250ms")).toBe(250);
    for (const bad of ["", "5", "1 hour", "h", "-1s", "1y"]) expect(parseDuration(bad)).toBeNull();
  });

  it("parses INSIGHTS_SCHEDULE lists sorted and distinct, and says what is wrong", () => {
    expect(DurationList.parse("1h,6h, 24h,72h")).toEqual([3_600_000, 21_600_000, 86_400_000, 259_200_000]);
    expect(DurationList.parse("6s,1s,6s")).toEqual([1000, 6000]);
    expect(DurationList.safeParse("1h,soon").error?.issues[0]?.message).toMatch(/"soon" is not a duration/);
    expect(DurationList.safeParse("").success).toBe(false);
    expect(Duration.safeParse("400d").success).toBe(false);
  });
});

describe("engagementRateOf", () => {
  it("is (likes + replies + reposts + quotes) / views, shares left out, 0 without views", () => {
    expect(engagementRateOf({ views: 200, likes: 8, replies: 1, reposts: 2, quotes: 1, shares: 9 })).toBe(0.06);
    expect(engagementRateOf({ views: 0, likes: 0, replies: 0, reposts: 0, quotes: 0, shares: 0 })).toBe(0);
  });
});
