// Engagement read back from Threads: the insights time series, follower counts, the bandit's view
// of each hook style, persona stats, and the near-duplicate check. Aggregates are single SQL
// statements (the tables grow by a few rows per post; PostgreSQL does the sums).

import type { Prisma } from "@prisma/client";
import {
  ENGAGEMENT_TARGETS,
  type Engagement,
  type EngagementCounts,
  engagementRateOf,
  HOOK_STYLES,
  type HookArm,
  type HookStyleStats,
  type PersonaStats,
  type PostInsightPoint,
  SEEDED_HOOK_STYLE_IDS,
} from "@threads-agent/contracts";
import type { Db } from "../client.ts";

type Tx = Prisma.TransactionClient | Db;

const iso = (d: Date) => d.toISOString();

/**
 * Each post's evidence about its style counts as at most this many views: a post that took off
 * (tens of thousands of views) says no more about the style than a typical one, so one lucky post
 * cannot decide the bandit.
 */
export const EVIDENCE_VIEWS_PER_POST = 1000;

export async function recordInsight(db: Tx, postId: string, offsetSeconds: number, counts: EngagementCounts, at = new Date()) {
  return db.postInsight.create({ data: { post_id: postId, offset_seconds: offsetSeconds, ...counts, collected_at: at } });
}

export async function recordFollowers(db: Tx, personaId: string, userId: string, followers: number, at = new Date()) {
  return db.followerCount.create({ data: { persona_id: personaId, user_id: userId, followers, collected_at: at } });
}

type InsightRow = { post_id: string; offset_seconds: number; collected_at: Date } & EngagementCounts;

const toEngagement = (row: InsightRow): Engagement => {
  const counts = { views: row.views, likes: row.likes, replies: row.replies, reposts: row.reposts, quotes: row.quotes, shares: row.shares };
  return { ...counts, rate: engagementRateOf(counts), collected_at: iso(row.collected_at) };
};

/** The latest reading of each post that has one. */
export async function latestEngagement(db: Tx, postIds: readonly string[]): Promise<Map<string, Engagement>> {
  if (!postIds.length) return new Map();
  const rows = await db.$queryRaw<InsightRow[]>`
    SELECT DISTINCT ON (post_id) post_id, offset_seconds, views, likes, replies, reposts, quotes, shares, collected_at
    FROM post_insights WHERE post_id = ANY(${[...postIds]}::uuid[])
    ORDER BY post_id, collected_at DESC, id DESC`;
  return new Map(rows.map((r) => [r.post_id, toEngagement(r)]));
}

/** Every reading of a post, oldest first. */
export async function insightSeries(db: Tx, postId: string): Promise<PostInsightPoint[]> {
  const rows = await db.postInsight.findMany({ where: { post_id: postId }, orderBy: [{ collected_at: "asc" }, { id: "asc" }] });
  return rows.map((r) => ({ ...toEngagement(r), offset_seconds: r.offset_seconds }));
}

export type HookStyleRow = { key: string; name: string; description: string; instruction: string; persona_id: string | null };

/** The seeded styles, then the persona's own, oldest first. */
export async function hookStylesOf(db: Tx, personaId: string): Promise<HookStyleRow[]> {
  const rows = await db.hookStyle.findMany({
    where: { OR: [{ persona_id: null }, { persona_id: personaId }] },
    orderBy: [{ created_at: "asc" }, { key: "asc" }],
  });
  const seededOrder = (key: string) => {
    const i = (SEEDED_HOOK_STYLE_IDS as readonly string[]).indexOf(key);
    return i < 0 ? SEEDED_HOOK_STYLE_IDS.length : i;
  };
  return rows.sort((a, b) => Number(a.persona_id !== null) - Number(b.persona_id !== null) || seededOrder(a.key) - seededOrder(b.key));
}

type StyleEvidence = {
  style: string;
  pulls: number;
  measured: number;
  alpha_evidence: number;
  beta_evidence: number;
  mean_rate: number | null;
};

/**
 * Per style of the persona's published posts: pulls, the mean engagement rate of the measured
 * ones, and the Beta posterior of engagement per view from each post's latest reading (each post
 * weighted down to at most EVIDENCE_VIEWS_PER_POST views).
 */
async function styleEvidence(db: Tx, personaId: string): Promise<Map<string, StyleEvidence>> {
  const rows = await db.$queryRaw<StyleEvidence[]>`
    WITH latest AS (
      SELECT DISTINCT ON (i.post_id) i.post_id, i.views, (i.likes + i.replies + i.reposts + i.quotes) AS interactions
      FROM post_insights i JOIN posts p ON p.id = i.post_id
      WHERE p.persona_id = ${personaId}
      ORDER BY i.post_id, i.collected_at DESC, i.id DESC
    )
    SELECT p.hook_style AS style,
           count(*)::int AS pulls,
           count(l.post_id)::int AS measured,
           coalesce(sum(least(l.interactions, l.views) * least(1.0, ${EVIDENCE_VIEWS_PER_POST}::float8 / greatest(l.views, 1))), 0)::float8 AS alpha_evidence,
           coalesce(sum(greatest(l.views - l.interactions, 0) * least(1.0, ${EVIDENCE_VIEWS_PER_POST}::float8 / greatest(l.views, 1))), 0)::float8 AS beta_evidence,
           avg(CASE WHEN l.views > 0 THEN l.interactions::float8 / l.views END)::float8 AS mean_rate
    FROM posts p LEFT JOIN latest l ON l.post_id = p.id
    WHERE p.persona_id = ${personaId} AND p.hook_style IS NOT NULL AND p.published_id IS NOT NULL
    GROUP BY p.hook_style`;
  return new Map(rows.map((r) => [r.style, r]));
}

const round = (n: number, places = 6) => Math.round(n * 10 ** places) / 10 ** places;

/** `GET /v1/personas/:id/hook-styles`: every style the persona can use, with the bandit's figures. */
export async function hookStyleStats(db: Tx, personaId: string): Promise<HookStyleStats[]> {
  const [styles, evidence] = await Promise.all([hookStylesOf(db, personaId), styleEvidence(db, personaId)]);
  const total = [...evidence.values()].filter((e) => styles.some((s) => s.key === e.style)).reduce((sum, e) => sum + e.pulls, 0);
  return styles.map((s) => {
    const e = evidence.get(s.key);
    const alpha = 1 + (e?.alpha_evidence ?? 0);
    const beta = 1 + (e?.beta_evidence ?? 0);
    return {
      id: s.key,
      name: s.name,
      description: s.description,
      instruction: s.instruction,
      seeded: s.persona_id === null,
      pulls: e?.pulls ?? 0,
      mean_engagement: e?.mean_rate === null || e?.mean_rate === undefined ? null : round(e.mean_rate),
      posterior: { alpha: round(alpha, 3), beta: round(beta, 3), mean: round(alpha / (alpha + beta)) },
      share: total ? round((e?.pulls ?? 0) / total, 4) : 0,
    };
  });
}

/** The arms the hook step samples from: each style with its posterior (and a persona style's instruction). */
export async function hookArmsOf(db: Tx, personaId: string): Promise<HookArm[]> {
  const stats = await hookStyleStats(db, personaId);
  return stats.map((s) => ({
    id: s.id,
    ...(s.seeded && s.id in HOOK_STYLES ? {} : { instruction: s.instruction }),
    alpha: s.posterior.alpha,
    beta: s.posterior.beta,
  }));
}

/** `GET /v1/personas/:id/stats?window=`: what the persona's posts did over the window, next to the seed's targets. */
export async function personaStats(db: Tx, personaId: string, windowMs: number, now = new Date()): Promise<PersonaStats> {
  const from = new Date(now.getTime() - windowMs);
  const [posts] = await db.$queryRaw<{ posts: number; measured: number; views: number; interactions: number }[]>`
    WITH latest AS (
      SELECT DISTINCT ON (i.post_id) i.post_id, i.views, (i.likes + i.replies + i.reposts + i.quotes) AS interactions
      FROM post_insights i JOIN posts p ON p.id = i.post_id
      WHERE p.persona_id = ${personaId} AND p.created_at >= ${from}
      ORDER BY i.post_id, i.collected_at DESC, i.id DESC
    )
    SELECT count(*)::int AS posts, count(l.post_id)::int AS measured,
           coalesce(sum(l.views), 0)::int AS views, coalesce(sum(l.interactions), 0)::int AS interactions
    FROM posts p LEFT JOIN latest l ON l.post_id = p.id
    WHERE p.persona_id = ${personaId} AND p.published_id IS NOT NULL AND p.created_at >= ${from} AND p.created_at <= ${now}`;
  const [spend] = await db.$queryRaw<{ usd: number }[]>`
    SELECT coalesce(sum(c.cost_usd), 0)::float8 AS usd FROM llm_calls c JOIN tasks t ON t.id = c.task_id
    WHERE t.persona_id = ${personaId} AND c.created_at >= ${from} AND c.created_at <= ${now}`;
  const latest = await db.followerCount.findFirst({
    where: { persona_id: personaId, collected_at: { lte: now } },
    orderBy: [{ collected_at: "desc" }, { id: "desc" }],
  });
  // The count the window started from, of the same account (a persona linked to another account
  // starts over): the last one before the window, else the window's first.
  const sameAccount = latest ? { persona_id: personaId, user_id: latest.user_id } : { persona_id: personaId };
  const baseline =
    (await db.followerCount.findFirst({
      where: { ...sameAccount, collected_at: { lte: from } },
      orderBy: [{ collected_at: "desc" }, { id: "desc" }],
    })) ??
    (await db.followerCount.findFirst({
      where: { ...sameAccount, collected_at: { gt: from, lte: now } },
      orderBy: [{ collected_at: "asc" }, { id: "asc" }],
    }));
  const views = posts?.views ?? 0;
  const interactions = posts?.interactions ?? 0;
  const gained = latest && baseline ? latest.followers - baseline.followers : 0;
  const llmSpend = round(spend?.usd ?? 0, 8);
  const rate = views > 0 ? round(interactions / views) : null;
  const costPerFollower = gained > 0 ? round(llmSpend / gained, 8) : null;
  return {
    persona_id: personaId,
    window: { from: iso(from), to: iso(now), seconds: Math.round(windowMs / 1000) },
    posts: posts?.posts ?? 0,
    posts_with_insights: posts?.measured ?? 0,
    views,
    interactions,
    engagement_rate: rate,
    followers: latest?.followers ?? null,
    followers_gained: gained,
    llm_spend_usd: llmSpend,
    cost_per_follower_usd: costPerFollower,
    targets: { ...ENGAGEMENT_TARGETS },
    on_target: {
      engagement_rate: rate === null ? null : rate >= ENGAGEMENT_TARGETS.engagement_rate,
      cost_per_follower: costPerFollower === null ? null : costPerFollower <= ENGAGEMENT_TARGETS.cost_per_follower_usd,
    },
  };
}

export type NearDuplicate = { post_id: string; similarity: number; text: string };

/**
 * The persona's most similar recent post to `text` (pg_trgm `similarity`, 0 to 1) among its
 * `recent` newest posts, if it reaches `threshold`. Run it inside the transaction that stores the
 * post, after lockPersonaPosts, so two drafts of one persona cannot both pass unseen.
 */
export async function nearDuplicateOf(
  tx: Tx,
  personaId: string,
  text: string,
  options: { threshold: number; recent: number; excludeTaskId?: string },
): Promise<NearDuplicate | null> {
  const rows = await tx.$queryRaw<NearDuplicate[]>`
    SELECT id AS post_id, text, similarity(text, ${text})::float8 AS similarity
    FROM (SELECT id, text FROM posts WHERE persona_id = ${personaId}
            AND task_id IS DISTINCT FROM ${options.excludeTaskId ?? null}::uuid
          ORDER BY id DESC LIMIT ${options.recent}) recent
    ORDER BY similarity DESC LIMIT 1`;
  const best = rows[0];
  return best && best.similarity >= options.threshold ? { ...best, similarity: round(best.similarity, 4) } : null;
}

/** Serialises storing posts per persona (a transaction-scoped advisory lock), for the near-duplicate check. */
export async function lockPersonaPosts(tx: Prisma.TransactionClient, personaId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`posts:${personaId}`}))`;
}
