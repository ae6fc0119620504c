import { configOrExit } from "@threads-agent/config";
import { createDb } from "@threads-agent/db";
import { onShutdown, startTelemetry } from "@threads-agent/observability";
import { buildApp } from "./app.ts";
import { loadServiceConfig } from "./config.ts";
import { createRedis, waitUntilReady } from "./redis.ts";
import { createSweeper } from "./tasks/sweeper.ts";
import { createTaskContext, createTaskEventLog } from "./tasks/task-context.ts";
import { createContentQueue } from "./tasks/task-queue.ts";

const config = configOrExit(loadServiceConfig);
const { logger, tracing, metrics } = startTelemetry("orchestrator", config);
const db = createDb(config.DATABASE_URL);
const redis = createRedis(config.REDIS_URL, logger);
try {
  await waitUntilReady(redis, 15_000);
} catch (err) {
  logger.fatal({ err: { message: (err as Error).message } }, "cannot start without Redis");
  redis.disconnect();
  process.exit(1);
}
const queue = createContentQueue(redis, config.REDIS_PREFIX);
queue.on("error", (err) => logger.warn({ err: { message: err.message } }, "content queue error"));
const events = createTaskEventLog(redis, {
  prefix: config.REDIS_PREFIX,
  maxLen: config.EVENT_STREAM_MAXLEN,
  retentionSeconds: config.EVENT_RETENTION_SECONDS,
});

let accepting = true;
const app = await buildApp({ config, logger, metrics, db, redis, queue, events, accepting: () => accepting });
const sweeper = createSweeper(createTaskContext(config, { db, redis, queue, events, logger }), metrics, {
  intervalMs: config.SWEEP_INTERVAL_MS,
  afterMs: config.SWEEP_AFTER_MS,
});

try {
  await app.listen({ host: config.HOST, port: config.PORT });
} catch (err) {
  logger.fatal({ err }, `cannot listen on ${config.HOST}:${config.PORT}`);
  process.exit(1);
}
sweeper.start();
const shown = config.HOST === "0.0.0.0" || config.HOST === "::" ? "127.0.0.1" : config.HOST;
const base = `http://${shown}:${config.PORT}`;
logger.info(
  { dashboard: `${base}/`, docs: `${base}/docs`, auth: config.API_KEYS.length > 0 ? "api keys" : "off", prefix: config.REDIS_PREFIX },
  `orchestrator listening on ${base}`,
);

onShutdown(logger, config.SHUTDOWN_GRACE_MS, async () => {
  // Fail /ready first so load balancers stop sending; then close: SSE streams end (clients
  // reconnect elsewhere), in-flight requests finish, then the connections go.
  accepting = false;
  await sweeper.stop();
  await app.close();
  await queue.close();
  await redis.quit().catch(() => redis.disconnect());
  await db.$disconnect();
  await tracing.shutdown();
});
