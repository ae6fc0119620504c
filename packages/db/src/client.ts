import { createHash } from "node:crypto";
import { PrismaPg } from "@prisma/adapter-pg";
import { Prisma, PrismaClient } from "@prisma/client";
import pg from "pg";

export type Db = PrismaClient;

/**
 * Raw statements straight on the pg pool under a Db: the same `$queryRawUnsafe`/`$executeRawUnsafe`
 * shape as Prisma's (int8 as bigint, numeric as Decimal, so a repository cannot tell them apart),
 * without Prisma's request pipeline around each call. Measured on POST /v1/tasks: Prisma's client
 * and query compiler were a quarter of the orchestrator's CPU for three statements.
 */
export type RawSql = {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
};

/** A failure to reach PostgreSQL (refused, dropped, timed out) on the raw path, not a statement's error. */
export class DatabaseUnreachable extends Error {
  override readonly name = "DatabaseUnreachable";
  readonly code: string | undefined;
  constructor(cause: unknown) {
    super(`database unreachable: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.code = (cause as { code?: string })?.code;
  }
}

const INT8 = 20;
const NUMERIC = 1700;
// Prisma's raw queries give int8 as bigint and numeric as Decimal; pg's defaults are strings.
const PRISMA_TYPES = {
  getTypeParser(oid: number, format?: string) {
    if (oid === INT8) return (value: string) => BigInt(value);
    if (oid === NUMERIC) return (value: string) => new Prisma.Decimal(value);
    return pg.types.getTypeParser(oid, format as "text");
  },
} as pg.CustomTypesConfig;

const raw = new WeakMap<Db, RawSql>();

// Statements of the raw path are prepared once per connection under a name derived from their
// text: PostgreSQL then skips parsing and (after a few runs) planning, the larger part of its CPU
// for a one-row INSERT. The texts are the repositories' own, so they are few; past the bound (a
// text built from its data) they run unnamed, as does a text whose cached plan a migration broke.
const MAX_NAMED = 500;
const names = new Map<string, string | null>();
const nameOf = (text: string): string | undefined => {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMED) {
    name = `ta_${createHash("sha1").update(text).digest("hex").slice(0, 16)}`;
    names.set(text, name);
  }
  return name ?? undefined;
};
// 0A000 "cached plan must not change result type": the table changed under a prepared statement.
const PLAN_INVALIDATED = "0A000";

function rawSqlOn(pool: pg.Pool): RawSql {
  const run = async (text: string, values: unknown[]): Promise<pg.QueryResult> => {
    const name = nameOf(text);
    try {
      return await pool.query({ text, values, types: PRISMA_TYPES, ...(name ? { name } : {}) });
    } catch (err) {
      if (name && err instanceof pg.DatabaseError && err.code === PLAN_INVALIDATED) {
        names.set(text, null);
        return run(text, values);
      }
      // A statement's own error carries its SQLSTATE; anything else never reached the server.
      if (err instanceof pg.DatabaseError) throw err;
      throw new DatabaseUnreachable(err);
    }
  };
  return {
    $queryRawUnsafe: async <T>(text: string, ...values: unknown[]) => (await run(text, values)).rows as T,
    $executeRawUnsafe: async (text: string, ...values: unknown[]) => (await run(text, values)).rowCount ?? 0,
  };
}

/**
 * Prisma with the pg driver adapter (no Rust query engine: it cannot be downloaded here), over a pg
 * pool of our own that `rawSql` shares for hot single statements.
 */
export function createDb(databaseUrl: string, options: { poolSize?: number } = {}): Db {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.poolSize ?? 10 });
  // An idle connection the server dropped is replaced on the next checkout; unheard, the pool's
  // "error" event would end the process.
  pool.on("error", () => {});
  const db = new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }) });
  raw.set(db, rawSqlOn(pool));
  return db;
}

/**
 * The raw path of a Db made by createDb (statements outside any transaction); for anything else
 * (an interactive transaction's client, a Db made elsewhere) the object itself, through Prisma.
 */
export function rawSql(db: Pick<Db, "$queryRawUnsafe" | "$executeRawUnsafe">): RawSql {
  return raw.get(db as Db) ?? (db as RawSql);
}
