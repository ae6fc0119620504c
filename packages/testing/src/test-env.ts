import { randomBytes } from "node:crypto";
import { inject } from "vitest";

export type TestEnv = { databaseUrl: string; redisUrl: string; redisPrefix: string };

/**
 * This test file's database (its own copy, see per-file-setup.ts) and Redis, with a Redis prefix
 * unique per call so tests never share queues or streams.
 */
export function testEnv(): TestEnv {
  const databaseUrl = process.env.THREADS_AGENT_TEST_DATABASE_URL;
  if (!databaseUrl) throw new Error("testEnv() needs packages/testing/src/per-file-setup.ts in vitest's setupFiles");
  return { databaseUrl, redisUrl: inject("redisUrl"), redisPrefix: uniquePrefix() };
}

export function uniquePrefix(): string {
  return `${inject("redisPrefix")}-${randomBytes(4).toString("hex")}`;
}
