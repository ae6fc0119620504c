import { configOrExit } from "@threads-agent/config";
import { tokenKeyProblem } from "@threads-agent/db";
import { onShutdown, startOpsServer, startTelemetry } from "@threads-agent/observability";
import { loadServiceConfig } from "./config.ts";
import { createDeps } from "./deps.ts";
import { startInsights } from "./insights/collect.ts";
import { scheduleTokenRefresh } from "./publishing/token-refresh.ts";
import { createContentWorker } from "./worker.ts";

// A bad environment prints every problem and exits 78 (EX_CONFIG) rather than a stack trace.
const config = configOrExit(() => loadServiceConfig());
const { logger, tracing, metrics } = await startTelemetry("worker", config, { http: false });
const deps = createDeps(config, { logger, metrics });
// Engagement read back: a delayed job per post and INSIGHTS_SCHEDULE offset, follower counts daily.
const insights = await startInsights(
  { db: deps.db, accounts: deps.accounts, logger, metrics: deps.metrics, settings: deps.insightSettings },
  { connection: deps.redis, prefix: config.REDIS_PREFIX, followersIntervalMs: config.FOLLOWERS_INTERVAL_MS },
);
deps.insights = insights;
// Stored Threads tokens cannot be read without the key: say so now, not at the first publish.
const keyProblem = await tokenKeyProblem(deps.db, config.TOKEN_ENCRYPTION_KEY !== undefined).catch((err: unknown) => {
  // The database may not be up yet; the first publish says the same if it matters.
  logger.warn({ err: { message: (err as Error).message } }, "could not check for stored Threads tokens at start");
  return null;
});
if (keyProblem) {
  console.error(`worker: invalid configuration\n  - ${keyProblem}`);
  process.exit(78); // EX_CONFIG
}
if (!config.THREADS_ACCESS_TOKEN) logger.warn("THREADS_ACCESS_TOKEN is not set: only personas with a linked Threads account can publish");
const worker = createContentWorker(deps, {
  connection: deps.blocking,
  concurrency: config.WORKER_CONCURRENCY,
  lockDurationMs: config.WORKER_LOCK_MS,
  stalledIntervalMs: config.WORKER_STALLED_INTERVAL_MS,
});

let accepting = true;
const ops = await startOpsServer({
  host: config.HOST,
  port: config.METRICS_PORT,
  metrics,
  accepting: () => accepting,
  checks: [
    { name: "redis", check: () => deps.redis.ping() },
    { name: "database", check: () => deps.db.$queryRaw`SELECT 1` },
  ],
});
// Every persona's series start at 0 before its first task ends (see startAtZero).
await deps.db.persona
  .findMany({ select: { id: true } })
  .then((rows) => deps.metrics.personas(rows.map((r) => r.id)))
  .catch((err: unknown) => logger.warn({ err: { message: (err as Error).message } }, "could not read the personas for metrics"));
void worker.run();
deps.relay.start();
const tokenRefresh = await scheduleTokenRefresh(deps, {
  connection: deps.redis,
  prefix: config.REDIS_PREFIX,
  intervalMs: config.THREADS_TOKEN_REFRESH_INTERVAL_MS,
  aheadMs: config.THREADS_TOKEN_REFRESH_AHEAD_S * 1000,
});
logger.info(
  {
    metrics_port: ops.port,
    concurrency: config.WORKER_CONCURRENCY,
    persona_runtime: config.PERSONA_RUNTIME_URL,
    threads_api: config.THREADS_API_URL,
  },
  "worker started",
);

onShutdown(logger, config.SHUTDOWN_GRACE_MS, async () => {
  accepting = false;
  // Waits for in-flight jobs; if the grace period runs out first, their locks expire and another
  // worker takes them over (stalled-job recovery), so nothing accepted is lost.
  await worker.close();
  await tokenRefresh.close();
  await insights.close();
  await ops.close();
  await deps.close();
  await tracing.shutdown();
});
