import type { EventEntity, EventEnvelope } from "@threads-agent/contracts";
import { type Db, rawSql } from "../client.ts";
import type { StreamRef } from "./transition.ts";

/** An outbox row as the relay reads it. */
export type OutboxRow = { id: bigint; envelope: EventEnvelope; stream_id: string | null; created_at: Date };

/** The stream's rows in commit order (ids increase in commit order per entity: its row lock orders them). */
export async function outboxRows(db: Db, stream: StreamRef, afterId: bigint | null, limit = 5000): Promise<OutboxRow[]> {
  return rawSql(db).$queryRawUnsafe<OutboxRow[]>(
    `SELECT "id", "envelope", "stream_id", "created_at" FROM "outbox"
     WHERE "entity" = $1 AND "entity_id" = $2::uuid AND "id" > $3 ORDER BY "id" LIMIT $4`,
    stream.entity,
    stream.id,
    afterId ?? -1n,
    limit,
  );
}

/**
 * The stream's rows not yet marked sent, in commit order: a superset of those not yet in the stream
 * (a row is marked sent only after it was added), read after the writer's commit, so it holds every
 * row committed before it.
 */
export async function unsentRows(db: Db, stream: StreamRef, limit = 2000): Promise<Pick<OutboxRow, "id" | "envelope">[]> {
  return rawSql(db).$queryRawUnsafe<Pick<OutboxRow, "id" | "envelope">[]>(
    `SELECT "id", "envelope" FROM "outbox" WHERE "entity" = $1 AND "entity_id" = $2::uuid AND "sent_at" IS NULL ORDER BY "id" LIMIT $3`,
    stream.entity,
    stream.id,
    limit,
  );
}

/** Records the stream ids rows were published under (the first publication's id is kept). */
export async function markSent(db: Db, rows: { id: bigint; streamId: string | null }[]): Promise<void> {
  if (rows.length === 0) return;
  // One entry per row (an UPDATE joins each row once): a known stream id wins over a skipped row's null.
  const byId = new Map<bigint, string | null>();
  for (const r of rows) if (!byId.has(r.id) || byId.get(r.id) === null) byId.set(r.id, r.streamId);
  const unique = [...byId];
  await rawSql(db).$executeRawUnsafe(
    `UPDATE "outbox" AS o SET "sent_at" = COALESCE(o."sent_at", now()), "stream_id" = COALESCE(o."stream_id", x.stream_id)
     FROM unnest($1::bigint[], $2::text[]) AS x(id, stream_id) WHERE o."id" = x.id`,
    unique.map(([id]) => id),
    unique.map(([, streamId]) => streamId),
  );
}

/** Rows at or below the stream's high-water mark were published by someone whose mark-sent was lost. */
export async function settleUpTo(db: Db, stream: StreamRef, highWater: bigint): Promise<number> {
  return rawSql(db).$executeRawUnsafe(
    `UPDATE "outbox" SET "sent_at" = now() WHERE "entity" = $1 AND "entity_id" = $2::uuid AND "id" <= $3 AND "sent_at" IS NULL`,
    stream.entity,
    stream.id,
    highWater,
  );
}

/** Streams with rows not yet published, oldest first; rows younger than `minAgeMs` are left to the writer's own relay call. */
export async function streamsWithUnsent(db: Db, entities: readonly EventEntity[], minAgeMs: number, limit = 200): Promise<StreamRef[]> {
  const rows = await rawSql(db).$queryRawUnsafe<{ entity: EventEntity; entity_id: string }[]>(
    `SELECT "entity", "entity_id" FROM (
       SELECT "entity", "entity_id", min("id") AS first FROM "outbox"
       WHERE "sent_at" IS NULL AND "entity" = ANY($1::text[]) AND "created_at" < now() - make_interval(secs => $2::float8 / 1000)
       GROUP BY "entity", "entity_id") AS pending
     ORDER BY first LIMIT $3`,
    [...entities],
    minAgeMs,
    limit,
  );
  return rows.map((r) => ({ entity: r.entity, id: r.entity_id }));
}

/** Published rows older than the event retention: their streams have expired, so no rebuild needs them. */
export async function pruneOutbox(db: Db, olderThanSeconds: number): Promise<number> {
  return rawSql(db).$executeRawUnsafe(
    `DELETE FROM "outbox" WHERE "sent_at" IS NOT NULL AND "created_at" < now() - make_interval(secs => $1::float8)`,
    olderThanSeconds,
  );
}

/** A run's stored output lines in order per variation, for rebuilding a run stream Redis lost. */
export async function runLinesForRebuild(
  db: Db,
  runId: string,
): Promise<{ variation: number; seq: number; ts: Date; kind: string; line: string }[]> {
  return rawSql(db).$queryRawUnsafe<{ variation: number; seq: number; ts: Date; kind: string; line: string }[]>(
    `SELECT v."index" AS variation, l."seq", l."ts", l."kind", l."line" FROM "variation_lines" l
     JOIN "variations" v ON v."id" = l."variation_id" WHERE v."run_id" = $1::uuid ORDER BY v."index", l."seq"`,
    runId,
  );
}
