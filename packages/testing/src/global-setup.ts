// Runs once per `vitest run`: a template database (created, migrated with the real
// `prisma migrate deploy`, seeded) from which every test file gets a database of its own
// (per-file-setup.ts), and a Redis key prefix for the run. Everything is removed afterwards.
// Tests never assume an empty Redis or database, and never see each other's rows.
import { randomBytes } from "node:crypto";
import { createDb, ensureDatabase, migrateDatabase, seedPersonas } from "@threads-agent/db";
import { Redis } from "ioredis";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { deleteKeysWithPrefix } from "./redis-prefix.ts";

const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const redisUrl = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

// Tests never reach real model providers or Threads, whatever the developer's shell exports: services the
// tests start (and the workers running them) inherit this environment. A test that wants a
// provider passes keys and base URLs of the local stand-in explicitly.
// Likewise the real Threads: services started by tests publish to their own fake-threads.
const PROVIDER_VARIABLES = [
  "OPENAI_API_KEY",
  "ANTHROPIC_API_KEY",
  "ANTHROPIC_AUTH_TOKEN",
  "OPENAI_BASE_URL",
  "ANTHROPIC_BASE_URL",
  "THREADS_API_URL",
  "THREADS_ACCESS_TOKEN",
  "THREADS_USER_ID",
  "TOKEN_ENCRYPTION_KEY",
];

export default async function setup(project: TestProject) {
  for (const variable of PROVIDER_VARIABLES) delete process.env[variable];
  // Stacks the tests start poll the API far faster than a person: no rate limit for them (the
  // rate-limit tests build their orchestrator with a limit of their own).
  process.env.RATE_LIMIT_MAX = "0";
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
  const databasePrefix = `ta_test_${runId}`;
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${databasePrefix}_tpl`;
  const redisPrefix = `ta-test-${runId}`;

  await ensureDatabase(templateUrl.toString());
  await migrateDatabase(templateUrl.toString());
  const db = createDb(templateUrl.toString());
  await seedPersonas(db);
  await db.$disconnect();

  project.provide("databaseAdminUrl", adminUrl);
  project.provide("databaseTemplate", `${databasePrefix}_tpl`);
  project.provide("redisUrl", redisUrl);
  project.provide("redisPrefix", redisPrefix);

  return async () => {
    const redis = new Redis(redisUrl);
    await deleteKeysWithPrefix(redis, redisPrefix);
    redis.disconnect();
    if (process.env.KEEP_TEST_DB) return;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    const { rows } = await admin.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE $1", [
      `${databasePrefix}%`,
    ]);
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await admin.end();
  };
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseAdminUrl: string;
    databaseTemplate: string;
    redisUrl: string;
    redisPrefix: string;
  }
}
