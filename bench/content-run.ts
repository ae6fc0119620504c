// What the content-pipeline benchmarks share: the stack's environment for a measured run, the
// error lines worth printing, submitting the tasks and waiting until none is left open.
import type { Db } from "@threads-agent/db";
import { databaseUrl } from "./scratch.ts";
import { pool } from "./stats.ts";

/** The environment of a measured run against the run's own database and Redis. */
export function contentRunEnv(redis: { url: string; prefix: string }, extra: Record<string, string>): Record<string, string | undefined> {
  return {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    REDIS_PREFIX: redis.prefix,
    LOG_LEVEL: "warn",
    RATE_LIMIT_MAX: "0",
    OFFLINE_STREAM_DELAY_MS: "0",
    // fake-threads' per-account daily quota (250) would defer most tasks of a long run.
    PUBLISH_QUOTA: "1000000",
    // Thousands of offline posts from a handful of inputs are near-duplicates by design: not measured here.
    NEAR_DUPLICATE_THRESHOLD: "2",
    ...extra,
  };
}

/** A service's error and fatal lines, printed; the rest of its output is not the benchmark's. */
export const printErrors = (service: string, line: string) => {
  if (/"level":"(error|fatal)"/.test(line)) console.error(`[${service}] ${line}`);
};

/** POSTs every body to /v1/tasks from `clients` concurrent clients; each request's latency in ms. */
export async function submitTasks(api: string, bodies: object[], clients: number): Promise<number[]> {
  const latencies: number[] = [];
  await pool(bodies, clients, async (body) => {
    const start = performance.now();
    const res = await fetch(`${api}/v1/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    if (res.status !== 202) throw new Error(`POST /v1/tasks answered ${res.status}`);
    latencies.push(performance.now() - start);
  });
  return latencies;
}

/** Until no task is queued or running. */
export async function waitUntilSettled(db: Db): Promise<void> {
  for (;;) {
    const open = await db.task.count({ where: { status: { in: ["queued", "running"] } } });
    if (open === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
