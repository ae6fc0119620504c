import { z } from "zod";
import { HookStyleId } from "./hook-styles.ts";
import { PersonaId, Timestamp, Uuid } from "./ids.ts";

// ---------------------------------------------------------------------------------------------
// Durations: INSIGHTS_SCHEDULE ("1h,6h,24h,72h"), ?window=7d. Hand-written rather than the `ms`
// package: one strict grammar (a number and one unit) so "1 hour" or "5" is refused with a message.

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;
export const DURATION_HINT = "a number and a unit: ms, s, m, h, d or w (e.g. 90s, 6h, 7d)";

/** Milliseconds of a duration like `90s`, `6h`, `7d`; null when it is not one. */
export function parseDuration(text: string): number | null {
  const match = DURATION.exec(text.trim());
  if (!match) return null;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  return Number.isFinite(ms) ? Math.round(ms) : null;
}

/** A duration as milliseconds (at least 1 ms, at most a year). */
export const Duration = z.string({ message: `expected a duration, ${DURATION_HINT}` }).transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === null || ms < 1 || ms > 366 * 86_400_000) {
    ctx.addIssue({ code: "custom", message: `expected a duration between 1ms and 366d, ${DURATION_HINT}` });
    return z.NEVER;
  }
  return ms;
});

/** A comma-separated list of durations, ascending and distinct (INSIGHTS_SCHEDULE). */
export const DurationList = z.string().transform((text, ctx) => {
  const parts = text
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  const out: number[] = [];
  for (const part of parts) {
    const ms = parseDuration(part);
    if (ms === null || ms < 1) {
      ctx.addIssue({ code: "custom", message: `"${part}" is not a duration: ${DURATION_HINT}` });
      return z.NEVER;
    }
    out.push(ms);
  }
  if (!out.length) {
    ctx.addIssue({ code: "custom", message: `expected at least one duration, ${DURATION_HINT}` });
    return z.NEVER;
  }
  return [...new Set(out)].sort((a, b) => a - b);
});

// ---------------------------------------------------------------------------------------------
// Engagement read back from Threads.

/** The seed's targets: a 6% engagement rate and $0.01 per follower gained. */
export const ENGAGEMENT_TARGETS = { engagement_rate: 0.06, cost_per_follower_usd: 0.01 } as const;

export const EngagementCounts = z.object({
  views: z.number().int(),
  likes: z.number().int(),
  replies: z.number().int(),
  reposts: z.number().int(),
  quotes: z.number().int(),
  shares: z.number().int(),
});
export type EngagementCounts = z.infer<typeof EngagementCounts>;

/** Interactions that count toward the rate: likes, replies, reposts and quotes (shares are counted but not in the rate). */
export function interactionsOf(c: EngagementCounts): number {
  return c.likes + c.replies + c.reposts + c.quotes;
}

/** (likes + replies + reposts + quotes) / views, rounded to 6 places; 0 before anyone saw the post. */
export function engagementRateOf(c: EngagementCounts): number {
  return c.views > 0 ? Math.round((interactionsOf(c) / c.views) * 1e6) / 1e6 : 0;
}

/** A post's latest insights reading. */
export const Engagement = EngagementCounts.extend({
  /** (likes + replies + reposts + quotes) / views; 0 while views is 0. */
  rate: z.number(),
  collected_at: Timestamp,
}).meta({ id: "Engagement" });
export type Engagement = z.infer<typeof Engagement>;

export const PostInsightPoint = Engagement.extend({
  /** The INSIGHTS_SCHEDULE offset it was taken at, in seconds after the publish was seen. */
  offset_seconds: z.number().int(),
});
export type PostInsightPoint = z.infer<typeof PostInsightPoint>;

/** `GET /v1/posts/:id/insights`: every reading, oldest first. */
export const PostInsights = z
  .object({ post_id: Uuid, published_id: z.string().nullable(), items: z.array(PostInsightPoint) })
  .meta({ id: "PostInsights" });
export type PostInsights = z.infer<typeof PostInsights>;

// ---------------------------------------------------------------------------------------------
// Hook styles with the bandit's view of them.

export const Posterior = z.object({
  /** Beta(alpha, beta): 1 + interactions, 1 + views without one, summed over the style's posts' latest readings. */
  alpha: z.number(),
  beta: z.number(),
  /** alpha / (alpha + beta). */
  mean: z.number(),
});

export const HookStyleStats = z
  .object({
    id: HookStyleId,
    name: z.string(),
    description: z.string(),
    instruction: z.string(),
    /** true for the five every persona has; false for the persona's own. */
    seeded: z.boolean(),
    /** Posts written in this style. */
    pulls: z.number().int(),
    /** Mean engagement rate of those posts that have insights; null before any. */
    mean_engagement: z.number().nullable(),
    posterior: Posterior,
    /** This style's share of the persona's styled posts (0 to 1). */
    share: z.number(),
  })
  .meta({ id: "HookStyleStats" });
export type HookStyleStats = z.infer<typeof HookStyleStats>;

export const HookStyleList = z.object({ persona_id: PersonaId, items: z.array(HookStyleStats) }).meta({ id: "HookStyleList" });

/** `POST /v1/personas/:id/hook-styles`: a style of the persona's own. */
export const CreateHookStyle = z
  .strictObject({
    id: HookStyleId,
    name: z.string().trim().min(1, "must not be empty").max(80, "at most 80 characters"),
    description: z.string().trim().max(300, "at most 300 characters").default(""),
    /** What the hook prompt is told to do, e.g. "Open by naming a myth the reader believes, then say it is wrong." */
    instruction: z.string().trim().min(10, "at least 10 characters: say how the hook is written").max(500, "at most 500 characters"),
  })
  .meta({ id: "CreateHookStyle" });
export type CreateHookStyle = z.infer<typeof CreateHookStyle>;

// ---------------------------------------------------------------------------------------------
// Persona stats.

export const StatsQuery = z.strictObject({
  /** How far back from now: `24h`, `7d` (default), `30d`. */
  window: Duration.prefault("7d"),
});

export const PersonaStats = z
  .object({
    persona_id: PersonaId,
    window: z.object({ from: Timestamp, to: Timestamp, seconds: z.number().int() }),
    /** Posts published in the window. */
    posts: z.number().int(),
    /** Posts among them with insights. */
    posts_with_insights: z.number().int(),
    /** Views of those posts (their latest readings). */
    views: z.number().int(),
    interactions: z.number().int(),
    /** interactions / views over the window's posts; null without views. */
    engagement_rate: z.number().nullable(),
    /** Latest follower count of the persona's account; null before one was collected. */
    followers: z.number().int().nullable(),
    /** Latest count less the last count at or before the window's start (or the window's first). */
    followers_gained: z.number().int(),
    /** What the persona's model calls cost in the window (USD, as llm_calls recorded them). */
    llm_spend_usd: z.number(),
    /** llm_spend_usd / followers_gained; null when no follower was gained. */
    cost_per_follower_usd: z.number().nullable(),
    targets: z.object({ engagement_rate: z.number(), cost_per_follower_usd: z.number() }),
    /** Whether each figure meets its target; null when the figure is unknown. */
    on_target: z.object({ engagement_rate: z.boolean().nullable(), cost_per_follower: z.boolean().nullable() }),
  })
  .meta({ id: "PersonaStats" });
export type PersonaStats = z.infer<typeof PersonaStats>;
