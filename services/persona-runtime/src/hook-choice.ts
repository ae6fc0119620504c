import { createHash } from "node:crypto";
import type { HookArm } from "@threads-agent/contracts";
import { seededRandom } from "@threads-agent/llm";

export type HookChoice = { id: string; instruction?: string; draws: Record<string, number> };

/** A 32-bit seed from the task (and redraft angle): the same task always draws the same numbers, so a retry picks the same style. */
export function choiceSeed(taskId: string, angle: number): number {
  // A 32-bit seed in [1, 2^32 - 1].
  return (createHash("sha256").update(`hook-style:${taskId}:${angle}`).digest().readUInt32BE(0) % 0xfffffffe) + 1;
}

/** A seeded uniform source in (0, 1): mulberry32 (packages/llm), never exactly 0 (the samplers take logs). */
function seededUniform(seed: number): () => number {
  const random = seededRandom(seed);
  return () => {
    let u = random.next();
    while (u === 0) u = random.next();
    return u;
  };
}

// The Beta draw written out (two Gamma draws, Marsaglia & Tsang 2000) instead of @stdlib's
// random-base-beta: its seeded factory, needed once per task for reproducible draws, validates its
// options with isPlainObject, which sets and deletes Symbol.toStringTag on the global Object
// function. That invalidated V8's inline caches across the whole process: measured 4-6 -> 14-22 ms
// of CPU per generation, LangGraph and compromise included. Its `prng` option does not help: the
// sampler seeds an internal generator of its own once, so draws would depend on earlier tasks.
const standardNormal = (u: () => number) => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());

function standardGamma(shape: number, u: () => number): number {
  // Shape below 1: Gamma(shape + 1) scaled by U^(1/shape).
  if (shape < 1) return standardGamma(shape + 1, u) * u() ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = standardNormal(u);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const w = u();
    if (w < 1 - 0.0331 * x ** 4 || Math.log(w) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** One draw from Beta(alpha, beta). */
export function betaDraw(alpha: number, beta: number, u: () => number): number {
  const x = standardGamma(alpha, u);
  const y = standardGamma(beta, u);
  // Both underflowed (tiny shapes): the mean is the honest answer.
  return x + y > 0 ? x / (x + y) : alpha / (alpha + beta);
}

/**
 * Thompson sampling: one draw from each style's Beta(alpha, beta) posterior of engagement per
 * view; the style with the highest draw is written. A style with little evidence has a wide
 * posterior and still wins now and then (exploration); one that keeps engaging wins most draws
 * (exploitation). The draws are reproducible: a uniform source seeded by `seed`.
 */
export function chooseHookStyle(arms: readonly HookArm[], seed: number): HookChoice | null {
  if (!arms.length) return null;
  const uniform = seededUniform(seed);
  let best: HookArm | undefined;
  let bestDraw = -1;
  const draws: Record<string, number> = {};
  for (const arm of arms) {
    const value = betaDraw(arm.alpha, arm.beta, uniform);
    draws[arm.id] = value;
    if (value > bestDraw) {
      bestDraw = value;
      best = arm;
    }
  }
  if (!best) return null;
  return { id: best.id, ...(best.instruction ? { instruction: best.instruction } : {}), draws };
}
