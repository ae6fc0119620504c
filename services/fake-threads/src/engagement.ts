import { createHash } from "node:crypto";
import type { Insights, PublishedPost } from "@threads-agent/contracts";

const HOUR_MS = 3_600_000;

/** Uniform numbers in [0, 1) drawn from the post id: the same post always has the same character. */
function traitsOf(id: string): number[] {
  const digest = createHash("sha256").update(`insights:${id}`).digest();
  return Array.from({ length: 8 }, (_, i) => digest.readUInt32BE(i * 4) / 2 ** 32);
}

/**
 * Simulated engagement. Each post gets a reach potential (log-normal: most posts are modest, a few
 * take off) and rates from its id; views then follow a saturating curve in time since publish
 * (fast at first, flattening over a day), and everything else is a share of the views. Every
 * count is a floor of a non-decreasing function of time, so insights never go backwards.
 */
export function insightsFor(post: Pick<PublishedPost, "id" | "published_at">, now: number): Insights {
  const [u1 = 0.5, u2 = 0.5, u3 = 0.5, u4 = 0.5, u5 = 0.5, u6 = 0.5, u7 = 0.5] = traitsOf(post.id);
  // Box-Muller: a standard normal from two uniforms.
  const normal = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
  const potential = Math.min(50_000, Math.max(20, 150 * Math.exp(1.2 * normal)));
  const halfLifeHours = 3 + 9 * u3;

  const ageHours = Math.max(0, (now - Date.parse(post.published_at)) / HOUR_MS);
  // A sub-linear exponent gives the early burst real posts have in their first minutes.
  const reached = 1 - Math.exp(-((ageHours / halfLifeHours) ** 0.6));

  const views = Math.floor(potential * reached);
  const likes = Math.floor(views * (0.02 + 0.06 * u4));
  const replies = Math.floor(likes * (0.08 + 0.15 * u5));
  const reposts = Math.floor(likes * (0.05 + 0.1 * u6));
  const quotes = Math.floor(reposts * (0.2 + 0.3 * u7));
  const engagementRate = views === 0 ? 0 : Math.round(((likes + replies + reposts + quotes) / views) * 10_000) / 10_000;
  return { id: post.id, views, likes, replies, reposts, quotes, engagement_rate: engagementRate };
}
