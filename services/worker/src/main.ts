import { configOrExit } from "@threads-agent/config";
import { tokenKeyProblem } from "@threads-agent/db";
import { onShutdown, startOpsServer, startTelemetry } from "@threads-agent/observability";
import { handBackAfterMs, loadServiceConfig } from "./config.ts";
import { DependencyGate } from "./dependency-gate.ts";
import { createDeps } from "./deps.ts";
import { closeHandingBack, type HandBack } from "./hand-back.ts";
import { startInsights } from "./insights/collect.ts";
import { scheduleTokenRefresh } from "./publishing/token-refresh.ts";
import { createContentWorker } from "./worker.ts";

// A bad environment prints every problem and exits 78 (EX_CONFIG) rather than a stack trace.
const config = configOrExit(() => loadServiceConfig());
const { logger, tracing, metrics } = await startTelemetry("worker", config, { http: false });
const deps = createDeps(config, { logger, metrics });
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
// Engagement read back: a delayed job per post and INSIGHTS_SCHEDULE offset, follower counts daily.
const insights = await startInsights(
  { db: deps.db, accounts: deps.accounts, logger, metrics: deps.metrics, settings: deps.insightSettings },
  { connection: deps.redis, prefix: config.REDIS_PREFIX, followersIntervalMs: config.FOLLOWERS_INTERVAL_MS },
);
deps.insights = insights;
const gate = new DependencyGate({
  failureThreshold: config.BREAKER_FAILURES,
  openMs: config.BREAKER_OPEN_MS,
  maxOpenMs: config.BREAKER_MAX_OPEN_MS,
  outageBudgetMs: config.OUTAGE_BUDGET_MS,
  concurrency: config.WORKER_CONCURRENCY,
  logger,
  metrics,
});
const handBack: HandBack = { active: false };
const worker = createContentWorker(deps, {
  connection: deps.blocking,
  concurrency: config.WORKER_CONCURRENCY,
  lockDurationMs: config.WORKER_LOCK_MS,
  stalledIntervalMs: config.WORKER_STALLED_INTERVAL_MS,
  gate,
  handBack,
});
gate.attach(worker);

let accepting = true;
const ops = await startOpsServer({
  host: config.HOST,
  port: config.METRICS_PORT,
  metrics,
  logger,
  accepting: () => accepting,
  checks: [
    { name: "redis", check: () => deps.redis.ping() },
    { name: "database", check: () => deps.db.$queryRaw`SELECT 1` },
    // Not ready while a dependency's breaker is open: the body names it (and when it is probed next).
    ...gate.readinessChecks(),
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
  gate.close();
  // Waits for in-flight jobs; near the end of the grace period the ones still running are handed
  // back (moved to waiting, locks released) so another worker starts them at once. One that does
  // not stop in time keeps its lock until it expires, then stalled-job recovery hands it over.
  await closeHandingBack(worker, {
    handBack,
    handBackAfterMs: handBackAfterMs(config),
    logger,
  });
  await tokenRefresh.close();
  await insights.close();
  await ops.close();
  await deps.close();
  await tracing.shutdown();
});
