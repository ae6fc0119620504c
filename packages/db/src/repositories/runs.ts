import type { Prisma, RunStatus } from "@prisma/client";
import type { Db } from "../client.ts";
import type { Announcement } from "../lifecycle/transition.ts";
import { envelopeOf } from "../lifecycle/transition.ts";
import type { RunWithVariations } from "../run-mappers.ts";

/** What the API shows of a run: the row with its variations in order. */
export const RUN_WITH_VARIATIONS = {
  variations: { orderBy: { index: "asc" } },
  // The latest pushes of the winner: the run shows the newest, and the branch of the newest that was pushed.
  ships: { orderBy: { created_at: "desc" }, take: 20 },
} as const satisfies Prisma.RunInclude;

export function findRun(db: Db, id: string): Promise<RunWithVariations | null> {
  return db.run.findUnique({ where: { id }, include: RUN_WITH_VARIATIONS });
}

export type RunListFilter = { status?: RunStatus | undefined; cursor?: string | undefined; limit: number };

/** Newest first by id (UUIDv7); limit + 1 rows to tell whether more exist. */
export function listRuns(db: Db, filter: RunListFilter): Promise<RunWithVariations[]> {
  return db.run.findMany({
    where: { ...(filter.status ? { status: filter.status } : {}), ...(filter.cursor ? { id: { lt: filter.cursor } } : {}) },
    orderBy: { id: "desc" },
    take: filter.limit + 1,
    include: RUN_WITH_VARIATIONS,
  });
}

export type NewRun = {
  id: string;
  repo_url: string;
  prompt: string;
  /** Verify with this command instead of the detected checks; null or absent: detected. */
  check_command?: string | null;
  trace: Record<string, string>;
  variations: { id: string; index: number; model: string | null; temperature: number | null }[];
};

/** Inserts a queued run, its variations and its `run.queued` event in one statement. */
export async function insertRun(db: Db, run: NewRun): Promise<{ row: RunWithVariations; announcement: Announcement }> {
  const envelope = envelopeOf({ entity: "run", id: run.id }, { type: "run.queued", variations: run.variations.length });
  const [result] = await db.$queryRawUnsafe<{ outbox_id: bigint }[]>(
    `WITH run AS (
       INSERT INTO "runs" ("id", "repo_url", "prompt", "trace", "check_command") VALUES ($1::uuid, $2, $3, $4::jsonb, $10) RETURNING "id"),
     variations AS (
       INSERT INTO "variations" ("id", "run_id", "index", "model", "temperature")
       SELECT v.id, run."id", v.index, v.model, v.temperature
       FROM run, unnest($5::uuid[], $6::int[], $7::text[], $8::float8[]) AS v(id, index, model, temperature) RETURNING "id"),
     event AS (
       INSERT INTO "outbox" ("entity", "entity_id", "type", "envelope") SELECT 'run', run."id", 'run.queued', $9::json FROM run RETURNING "id")
     SELECT (SELECT "id" FROM event) AS outbox_id, (SELECT count(*) FROM variations) AS variations`,
    run.id,
    run.repo_url,
    run.prompt,
    JSON.stringify(run.trace),
    run.variations.map((v) => v.id),
    run.variations.map((v) => v.index),
    run.variations.map((v) => v.model),
    run.variations.map((v) => v.temperature),
    JSON.stringify(envelope),
    run.check_command ?? null,
  );
  const row = await findRun(db, run.id);
  return {
    row: row as RunWithVariations,
    announcement: { entity: "run", id: run.id, outboxId: BigInt((result as { outbox_id: bigint }).outbox_id) },
  };
}
