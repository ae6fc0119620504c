import { randomBytes } from "node:crypto";
import { inject } from "vitest";

export type TestEnv = { databaseUrl: string; redisUrl: string; redisPrefix: string };

/** The run's database and Redis; `redisPrefix` is unique per call so tests in one run never share queues or streams. */
export function testEnv(): TestEnv {
  return { databaseUrl: inject("databaseUrl"), redisUrl: inject("redisUrl"), redisPrefix: uniquePrefix() };
}

export function uniquePrefix(): string {
  return `${inject("redisPrefix")}-${randomBytes(4).toString("hex")}`;
}
