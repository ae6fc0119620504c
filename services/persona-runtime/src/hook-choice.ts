import { createHash } from "node:crypto";
import betaDistribution from "@stdlib/random-base-beta";
import type { HookArm } from "@threads-agent/contracts";

export type HookChoice = { id: string; instruction?: string; draws: Record<string, number> };

/** A 32-bit seed from the task (and redraft angle): the same task always draws the same numbers, so a retry picks the same style. */
export function choiceSeed(taskId: string, angle: number): number {
  // @stdlib's generators take seeds in [1, 2^32 - 1].
  return (createHash("sha256").update(`hook-style:${taskId}:${angle}`).digest().readUInt32BE(0) % 0xfffffffe) + 1;
}

/**
 * Thompson sampling: one draw from each style's Beta(alpha, beta) posterior of engagement per
 * view; the style with the highest draw is written. A style with little evidence has a wide
 * posterior and still wins now and then (exploration); one that keeps engaging wins most draws
 * (exploitation). The draws come from @stdlib's seeded Beta generator.
 */
export function chooseHookStyle(arms: readonly HookArm[], seed: number): HookChoice | null {
  if (!arms.length) return null;
  const draw = betaDistribution.factory({ seed });
  let best: HookArm | undefined;
  let bestDraw = -1;
  const draws: Record<string, number> = {};
  for (const arm of arms) {
    const value = draw(arm.alpha, arm.beta);
    draws[arm.id] = value;
    if (value > bestDraw) {
      bestDraw = value;
      best = arm;
    }
  }
  if (!best) return null;
  return { id: best.id, ...(best.instruction ? { instruction: best.instruction } : {}), draws };
}
