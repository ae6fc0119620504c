// Runs once per `vitest run`: a database of its own (created, migrated with the real
// `prisma migrate deploy`, seeded), dropped afterwards, and a Redis key prefix of its own, deleted
// afterwards. Tests never assume an empty Redis or database.
import { randomBytes } from "node:crypto";
import { createDb, ensureDatabase, migrateDatabase, seedPersonas } from "@threads-agent/db";
import { Redis } from "ioredis";
import pg from "pg";
import type { TestProject } from "vitest/node";

const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/ta_test_${runId}`;
  const databaseUrl = dbUrl.toString();
  const redisPrefix = `ta-test-${runId}`;

  await ensureDatabase(databaseUrl);
  await migrateDatabase(databaseUrl);
  const db = createDb(databaseUrl);
  await seedPersonas(db);
  await db.$disconnect();

  project.provide("databaseUrl", databaseUrl);
  project.provide("redisUrl", redisUrl);
  project.provide("redisPrefix", redisPrefix);

  return async () => {
    const redis = new Redis(redisUrl);
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${redisPrefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) await redis.unlink(...keys);
    } while (cursor !== "0");
    redis.disconnect();
    if (process.env.KEEP_TEST_DB) return;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "ta_test_${runId}" WITH (FORCE)`);
    await admin.end();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
    redisPrefix: string;
  }
}
