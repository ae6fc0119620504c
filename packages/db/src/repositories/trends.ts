import type { Trend as TrendRow, TrendSource as TrendSourceRow } from "@prisma/client";
import { newId, type Trend, type TrendSource } from "@threads-agent/contracts";
import type { Queryable } from "../lifecycle/transition.ts";

export type { TrendRow, TrendSourceRow };

/** A feed item as the poller read it, before it is stored. */
export type FeedItem = {
  /** The item's guid (RSS) or id (Atom), else its link: what makes it the same item in the next poll. */
  guid: string;
  title: string;
  link: string | null;
  summary: string | null;
  published_at: Date | null;
};

/**
 * Stores the items a persona has not seen: one multi-row INSERT ... ON CONFLICT DO NOTHING on the
 * (persona_id, guid) unique index, so polling the same feed again (or the same item arriving from
 * two of the persona's feeds, or two pollers at once) stores each item once. Returns how many were new.
 */
export async function insertTrends(db: Queryable, source: { id: string; persona_id: string }, items: FeedItem[]): Promise<number> {
  if (items.length === 0) return 0;
  const values: string[] = [];
  const params: unknown[] = [];
  for (const item of items) {
    const n = params.length;
    params.push(newId(), source.persona_id, source.id, item.guid, item.title, item.link, item.summary, item.published_at);
    values.push(`($${n + 1}::uuid, $${n + 2}, $${n + 3}::uuid, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7}, $${n + 8}::timestamptz)`);
  }
  const [result] = await db.$queryRawUnsafe<{ added: number }[]>(
    `WITH added AS (
       INSERT INTO "trends" ("id", "persona_id", "source_id", "guid", "title", "link", "summary", "published_at")
       VALUES ${values.join(", ")}
       ON CONFLICT ("persona_id", "guid") DO NOTHING RETURNING 1)
     SELECT count(*)::int AS added FROM added`,
    ...params,
  );
  return result?.added ?? 0;
}

/**
 * Takes the persona's freshest unused trend (newest item date first, then newest fetched) and
 * marks it used, in one statement; SKIP LOCKED lets two tasks created at once take two different
 * trends instead of one waiting for the other. Call it in the transaction that inserts the task,
 * so a task that fails to insert leaves the trend unused. Null when there is none.
 */
export async function claimFreshestTrend(db: Queryable, personaId: string): Promise<TrendRow | null> {
  const [row] = await db.$queryRawUnsafe<TrendRow[]>(
    `UPDATE "trends" SET "used_at" = now()
     WHERE "id" = (SELECT "id" FROM "trends" WHERE "persona_id" = $1 AND "used_at" IS NULL
                   ORDER BY "published_at" DESC NULLS LAST, "fetched_at" DESC, "id" DESC LIMIT 1 FOR UPDATE SKIP LOCKED)
     RETURNING *`,
    personaId,
  );
  return row ?? null;
}

/** What a task written from a trend is given as its input: the title, then the summary, within the input limit. */
export function trendInput(trend: Pick<TrendRow, "title" | "summary">, maxChars: number): string {
  const summary = trend.summary?.trim();
  const text = summary && summary !== trend.title.trim() ? `${trend.title.trim()}: ${summary}` : trend.title.trim();
  return text.length <= maxChars ? text : `${text.slice(0, maxChars - 1).trimEnd()}…`;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toTrend(row: TrendRow & { task?: { id: string } | null }): Trend {
  return {
    id: row.id,
    persona_id: row.persona_id,
    source_id: row.source_id,
    guid: row.guid,
    title: row.title,
    link: row.link,
    summary: row.summary,
    published_at: iso(row.published_at),
    fetched_at: row.fetched_at.toISOString(),
    used_at: iso(row.used_at),
    task_id: row.task?.id ?? null,
  };
}

export function toTrendSource(row: TrendSourceRow & { _count?: { trends: number } }): TrendSource {
  return {
    id: row.id,
    persona_id: row.persona_id,
    url: row.url,
    title: row.title,
    last_polled_at: iso(row.last_polled_at),
    last_error: row.last_error,
    trends: row._count?.trends ?? 0,
    created_at: row.created_at.toISOString(),
  };
}
