import { AGENT_MAIN } from "@threads-agent/agent";
import { configOrExit } from "@threads-agent/config";
import { RUN_EVENT_STREAM_MAXLEN, TERMINAL_RUN_EVENTS } from "@threads-agent/contracts";
import { createDb } from "@threads-agent/db";
import { EventLog } from "@threads-agent/events";
import { onShutdown, startOpsServer, startTelemetry } from "@threads-agent/observability";
import { Redis } from "ioredis";
import { createBackend } from "./backends/create-backend.ts";
import { loadServiceConfig } from "./config.ts";
import { createLauncher } from "./launcher.ts";
import { createLauncherMetrics } from "./metrics.ts";

const config = configOrExit(loadServiceConfig);
const { logger, tracing, metrics } = startTelemetry("agent-launcher", config);
const launcherMetrics = createLauncherMetrics(metrics);
const db = createDb(config.DATABASE_URL, { poolSize: Math.min(config.RUN_CONCURRENCY + 4, 30) });
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
const events = new EventLog({
  redis,
  prefix: config.REDIS_PREFIX,
  maxLen: RUN_EVENT_STREAM_MAXLEN,
  retentionSeconds: config.EVENT_RETENTION_SECONDS,
  isTerminal: (type) => TERMINAL_RUN_EVENTS.has(type),
});
let backend: ReturnType<typeof createBackend>;
try {
  backend = createBackend({ config, env: process.env, logger, metrics: launcherMetrics, agentMain: AGENT_MAIN });
} catch (err) {
  // No cluster configured, an unreadable kubeconfig: say so plainly instead of a stack trace.
  logger.fatal({ err: { message: (err as Error).message } }, `cannot start the ${config.AGENT_BACKEND} backend`);
  process.exit(78);
}

const launcher = createLauncher(
  {
    db,
    events,
    backend,
    logger,
    metrics: launcherMetrics,
    redis,
    connection,
    prefix: config.REDIS_PREFIX,
    repoPolicy: { allowedHosts: config.REPO_HOST_ALLOWLIST, allowFile: config.ALLOW_FILE_REPOS },
    maxVariations: config.RUN_MAX_VARIATIONS,
  },
  { concurrency: config.RUN_CONCURRENCY },
);

let accepting = true;
const ops = await startOpsServer({
  host: config.HOST,
  port: config.METRICS_PORT,
  metrics,
  accepting: () => accepting,
  checks: [
    { name: "redis", check: () => redis.ping() },
    { name: "database", check: () => db.$queryRaw`SELECT 1` },
  ],
});
await launcher.start();
logger.info(
  { metrics_port: ops.port, backend: backend.name, concurrency: config.RUN_CONCURRENCY, max_variations: config.RUN_MAX_VARIATIONS },
  "agent-launcher started",
);

onShutdown(logger, config.SHUTDOWN_GRACE_MS, async () => {
  accepting = false;
  // Kubernetes: runs are handed back (their Jobs keep running; the next launcher resumes them).
  // Local: the agent processes are stopped and their variations fail with that reason.
  await launcher.close();
  await backend.close();
  await ops.close();
  await Promise.allSettled([db.$disconnect(), redis.quit(), connection.quit(), tracing.shutdown()]);
});
