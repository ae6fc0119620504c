// Thompson sampling over hook styles: seeded draws (a retry picks the same), exploration while the
// posteriors are wide, exploitation once one style clearly engages better.

import { seededRandom } from "@threads-agent/llm";
import { describe, expect, it } from "vitest";
import { betaDraw, choiceSeed, chooseHookStyle } from "./hook-choice.ts";

const arms = (posteriors: Record<string, [number, number]>) =>
  Object.entries(posteriors).map(([id, [alpha, beta]]) => ({ id, alpha, beta }));
const shares = (a: ReturnType<typeof arms>, n: number) => {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const pick = chooseHookStyle(a, choiceSeed(`task-${i}`, 0))?.id ?? "none";
    counts[pick] = (counts[pick] ?? 0) + 1;
  }
  return counts;
};

describe("chooseHookStyle", () => {
  it("draws the same style for the same task and angle, and another seed for a redraft", () => {
    const a = arms({ question: [1, 1], how_to: [1, 1], contrarian: [1, 1] });
    expect(chooseHookStyle(a, choiceSeed("t1", 0))).toEqual(chooseHookStyle(a, choiceSeed("t1", 0)));
    expect(choiceSeed("t1", 0)).not.toBe(choiceSeed("t1", 1));
    expect(choiceSeed("t1", 0)).toBeGreaterThanOrEqual(1);
  });

  it("explores evenly while nothing is known", () => {
    const counts = shares(arms({ a: [1, 1], b: [1, 1], c: [1, 1], d: [1, 1], e: [1, 1] }), 1000);
    for (const id of ["a", "b", "c", "d", "e"]) expect(counts[id]).toBeGreaterThan(120);
  });

  it("exploits the style whose posterior is clearly higher", () => {
    // 6% vs 3% engagement over a thousand views each.
    const counts = shares(arms({ best: [61, 941], other: [31, 971] }), 1000);
    expect(counts.best).toBeGreaterThan(980);
  });

  it("tries a style nobody has measured yet (its prior Beta(1, 1) is wide) before settling", () => {
    const counts = shares(arms({ best: [61, 941], other: [31, 971], fresh: [1, 1] }), 1000);
    expect(counts.fresh).toBeGreaterThan(800);
    expect(counts.best).toBeGreaterThan(counts.other ?? 0);
  });

  it("passes a persona style's instruction on, and chooses nothing without arms", () => {
    expect(chooseHookStyle([{ id: "myth_buster", instruction: "Name a myth.", alpha: 5, beta: 1 }], 7)).toMatchObject({
      id: "myth_buster",
      instruction: "Name a myth.",
    });
    expect(chooseHookStyle([], 7)).toBeNull();
  });

  it("draws Beta(alpha, beta) with its mean and variance, small and large shapes alike", () => {
    const random = seededRandom(42);
    const u = () => random.next() || 0.5;
    for (const [alpha, beta] of [
      [1, 1],
      [0.5, 0.5],
      [2, 30],
      [61, 941],
    ] as const) {
      const n = 20_000;
      const draws = Array.from({ length: n }, () => betaDraw(alpha, beta, u));
      const mean = draws.reduce((a, b) => a + b, 0) / n;
      const variance = draws.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
      const expectedMean = alpha / (alpha + beta);
      const expectedVariance = (alpha * beta) / ((alpha + beta) ** 2 * (alpha + beta + 1));
      expect(draws.every((d) => d >= 0 && d <= 1)).toBe(true);
      // Within 4 standard errors of the mean, 10% of the variance.
      expect(Math.abs(mean - expectedMean)).toBeLessThan(4 * Math.sqrt(expectedVariance / n));
      expect(Math.abs(variance - expectedVariance) / expectedVariance).toBeLessThan(0.1);
    }
  });
});
