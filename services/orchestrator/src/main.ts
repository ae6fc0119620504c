import { configOrExit } from "@threads-agent/config";
import { tokenKeyProblem } from "@threads-agent/db";
import { onShutdown, startTelemetry } from "@threads-agent/observability";
import { buildApp } from "./app.ts";
import { loadServiceConfig } from "./config.ts";
import { createDeps } from "./deps.ts";
import { createReconciler } from "./reconciler/reconciler.ts";

const config = configOrExit(loadServiceConfig);
const { logger, tracing, metrics } = await startTelemetry("orchestrator", config);
let deps: Awaited<ReturnType<typeof createDeps>>;
try {
  deps = await createDeps(config, { logger, metrics });
} catch (err) {
  logger.fatal({ err: { message: (err as Error).message } }, "cannot start without Redis");
  process.exit(1);
}

// Linked accounts' tokens are stored encrypted: without the key nothing could read them, and new links would be refused.
const keyProblem = await tokenKeyProblem(deps.db, config.TOKEN_ENCRYPTION_KEY !== undefined).catch((err: unknown) => {
  logger.warn({ err: { message: (err as Error).message } }, "could not check for stored Threads tokens at start");
  return null;
});
if (keyProblem) {
  console.error(`orchestrator: invalid configuration\n  - ${keyProblem}`);
  process.exit(78); // EX_CONFIG
}

let accepting = true;
const app = await buildApp(deps, { accepting: () => accepting });
const reconciler = createReconciler(deps, {
  intervalMs: config.RECONCILE_INTERVAL_MS,
  afterMs: config.RECONCILE_AFTER_MS,
  maxRevivals: config.RECONCILE_MAX_REVIVALS,
});

try {
  await app.listen({ host: config.HOST, port: config.PORT });
} catch (err) {
  logger.fatal({ err }, `cannot listen on ${config.HOST}:${config.PORT}`);
  process.exit(1);
}
deps.relay.start();
reconciler.start();
// Trend feeds every TREND_POLL_SECONDS and each persona's schedule: BullMQ job schedulers, one job per slot across replicas.
await Promise.all([deps.trends.start(), deps.schedules.start()]).catch((err: unknown) => {
  logger.error({ err: { message: (err as Error).message } }, "could not start the trend poller or the persona schedules");
});
const shown = config.HOST === "0.0.0.0" || config.HOST === "::" ? "127.0.0.1" : config.HOST;
const base = `http://${shown}:${config.PORT}`;
logger.info(
  { dashboard: `${base}/`, docs: `${base}/docs`, auth: config.API_KEYS.length > 0 ? "api keys" : "off", prefix: config.REDIS_PREFIX },
  `orchestrator listening on ${base}`,
);

onShutdown(logger, config.SHUTDOWN_GRACE_MS, async () => {
  // Fail /ready first so load balancers stop sending; then close: SSE streams end (clients
  // reconnect elsewhere), in-flight requests finish, the relay publishes what was committed, then the connections go.
  accepting = false;
  await reconciler.stop();
  await app.close();
  await deps.close();
  await tracing.shutdown();
});
