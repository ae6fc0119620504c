import { createHash } from "node:crypto";
import { type ClassifiedHookStyle, classifyHookStyle, type SeededHookStyle, type ThreadsMediaMetric } from "@threads-agent/contracts";

const HOUR_MS = 3_600_000;

export type MediaMetrics = Record<ThreadsMediaMetric, number>;

/** What the model needs of a post and of its account. */
export type EngagedPost = { id: string; text: string; publishedAt: number };
export type EngagedAccount = { id: string; bestStyle: SeededHookStyle; baseFollowers: number };

/** How much a hook style multiplies an account's engagement rate. */
export function styleLift(style: ClassifiedHookStyle, best: SeededHookStyle): number {
  if (style === best) return 2;
  return style === "other" ? 0.85 : 1;
}

/** Uniform numbers in [0, 1) drawn from a seed: the same post (or account) always has the same character. */
function uniforms(seed: string, count: number): number[] {
  // sha512: 16 independent 32-bit draws per seed.
  const digest = createHash("sha512").update(seed).digest();
  return Array.from({ length: count }, (_, i) => digest.readUInt32BE(i * 4) / 2 ** 32);
}

// Box-Muller: a standard normal from two uniforms.
const normal = (u1: number, u2: number) => Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);

/** The account's engagement rate for an ordinary style: 2.5-3.5%, fixed per account. */
export function baseRate(accountId: string): number {
  const [u = 0.5] = uniforms(`account-rate:${accountId}`, 1);
  return 0.025 + 0.01 * u;
}

/**
 * The expected share of views that turn into an interaction (like, reply, repost, quote, share)
 * for this post: the account's base rate, times the lift of the post's hook style (2x for the
 * style the account's audience prefers, 0.85x for hooks of no known style), times the post's own
 * luck (log-normal, mean 1).
 */
export function postRate(post: EngagedPost, account: EngagedAccount): number {
  const [u1 = 0.5, u2 = 0.5] = uniforms(`post-rate:${post.id}`, 2);
  const sigma = 0.35;
  const luck = Math.exp(sigma * normal(u1, u2) - (sigma * sigma) / 2);
  return Math.min(0.25, baseRate(account.id) * styleLift(classifyHookStyle(post.text), account.bestStyle) * luck);
}

// Shares of interactions per metric (they sum to 1 on average).
const MIX: [Exclude<ThreadsMediaMetric, "views">, number][] = [
  ["likes", 0.7],
  ["replies", 0.1],
  ["reposts", 0.08],
  ["quotes", 0.04],
  ["shares", 0.08],
];

/**
 * Simulated insights of one post at `now`, deterministic from the post's id, text and age.
 * Reach is log-normal (most posts are modest, a few take off) and follows a saturating curve in
 * time since publish: a burst in the first minutes, flattening over a day or two. Interactions are
 * shares of the views at the post's rate. Every count is a floor of a non-decreasing function of
 * time, so insights never go backwards, and the same moment always gives the same numbers.
 */
export function mediaMetrics(post: EngagedPost, account: EngagedAccount, now: number): MediaMetrics {
  const [u1 = 0.5, u2 = 0.5, u3 = 0.5, ...rest] = uniforms(`insights:${post.id}`, 3 + 2 * MIX.length);
  const potential = Math.min(50_000, Math.max(20, 150 * Math.exp(1.2 * normal(u1, u2))));
  const halfLifeHours = 3 + 9 * u3;
  const ageHours = Math.max(0, (now - post.publishedAt) / HOUR_MS);
  // A sub-linear exponent gives the early burst real posts have.
  const reached = 1 - Math.exp(-((ageHours / halfLifeHours) ** 0.6));
  const views = Math.floor(potential * reached);
  const interactions = views * postRate(post, account);
  const metrics: MediaMetrics = { views, likes: 0, replies: 0, reposts: 0, quotes: 0, shares: 0 };
  MIX.forEach(([name, share], i) => {
    const jitter = 0.8 + 0.4 * (rest[2 * i] ?? 0.5);
    // Flooring after a fixed random offset keeps counts monotone in time and unbiased over posts
    // (a plain floor would lose half an interaction per metric, a third of a small post's total).
    metrics[name] = Math.floor(interactions * share * jitter + (rest[2 * i + 1] ?? 0));
  });
  return metrics;
}

/** Interactions per view, rounded to 4 places; 0 before anyone saw the post. */
export function engagementRate(m: MediaMetrics): number {
  if (m.views === 0) return 0;
  return Math.round(((m.likes + m.replies + m.reposts + m.quotes + m.shares) / m.views) * 10_000) / 10_000;
}

/**
 * Followers grow with engagement: a share of every interaction turns into a follow, so posts in
 * the style an account's audience prefers grow it about twice as fast.
 */
export function followersCount(account: EngagedAccount, posts: Iterable<EngagedPost>, now: number): number {
  let gained = 0;
  for (const post of posts) {
    if (post.publishedAt > now) continue;
    const m = mediaMetrics(post, account, now);
    gained += 0.3 * (m.likes + m.replies + m.reposts + m.quotes + m.shares);
  }
  return account.baseFollowers + Math.floor(gained);
}
