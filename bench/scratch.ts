// A benchmark's own Redis prefix and database, named after one random tag so that a run never
// meets another run, the tests or a developer's stack; both are removed when it ends.
import { randomBytes } from "node:crypto";
import { ensureDatabase, migrateDatabase } from "@threads-agent/db";
import { deleteKeysWithPrefix } from "@threads-agent/testing/redis-prefix";
import { Redis } from "ioredis";
import pg from "pg";

export const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const adminUrl = process.env.DATABASE_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

const tag = randomBytes(3).toString("hex");
export const prefix = `ta-bench-${tag}`;
export const databaseName = `ta_bench_${tag}`;
export const databaseUrl = (() => {
  const url = new URL(adminUrl);
  url.pathname = `/${databaseName}`;
  return url.toString();
})();

/** Creates the benchmark's database and migrates it. */
export async function createScratchDatabase(): Promise<void> {
  await ensureDatabase(databaseUrl);
  await migrateDatabase(databaseUrl);
}

export async function dropScratchDatabase(): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
  await admin.end();
}

/** Deletes every key the benchmark's services and queues wrote under its prefix. */
export async function deleteScratchKeys(): Promise<void> {
  const redis = new Redis(redisUrl);
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
}
