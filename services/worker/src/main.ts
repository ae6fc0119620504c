import { configOrExit } from "@threads-agent/config";
import { TERMINAL_TASK_EVENTS } from "@threads-agent/contracts";
import { createDb } from "@threads-agent/db";
import { EventLog } from "@threads-agent/events";
import { onShutdown, startOpsServer, startTelemetry } from "@threads-agent/observability";
import { Redis } from "ioredis";
import { loadServiceConfig } from "./config.ts";
import { createWorkerMetrics } from "./metrics.ts";
import { createPersonaRuntimeClient } from "./persona-runtime-client.ts";
import { createThreadsClient } from "./threads-client.ts";
import { createContentWorker } from "./worker.ts";

// A bad environment prints every problem and exits 78 (EX_CONFIG) rather than a stack trace.
const config = configOrExit(() => loadServiceConfig());
const { logger, tracing, metrics } = startTelemetry("worker", config);
const db = createDb(config.DATABASE_URL, { poolSize: config.WORKER_CONCURRENCY + 2 });
const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 3 });
const blocking = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });
const events = new EventLog({
  redis,
  prefix: config.REDIS_PREFIX,
  maxLen: config.EVENT_STREAM_MAXLEN,
  retentionSeconds: config.EVENT_RETENTION_SECONDS,
  isTerminal: (type) => TERMINAL_TASK_EVENTS.has(type),
});

const worker = createContentWorker(
  {
    db,
    redis,
    prefix: config.REDIS_PREFIX,
    events,
    runtime: createPersonaRuntimeClient({ baseUrl: config.PERSONA_RUNTIME_URL, timeoutMs: config.PERSONA_RUNTIME_TIMEOUT_MS }),
    threads: createThreadsClient({
      baseUrl: config.THREADS_API_URL,
      accessToken: config.THREADS_ACCESS_TOKEN,
      timeoutMs: config.THREADS_TIMEOUT_MS,
    }),
    logger,
    metrics: createWorkerMetrics(metrics),
  },
  {
    connection: blocking,
    concurrency: config.WORKER_CONCURRENCY,
    lockDurationMs: config.WORKER_LOCK_MS,
    stalledIntervalMs: config.WORKER_STALLED_INTERVAL_MS,
  },
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
void worker.run();
logger.info(
  { metrics_port: ops.port, concurrency: config.WORKER_CONCURRENCY, persona_runtime: config.PERSONA_RUNTIME_URL },
  "worker started",
);

onShutdown(logger, config.SHUTDOWN_GRACE_MS, async () => {
  accepting = false;
  // Waits for in-flight jobs; if the grace period runs out first, their locks expire and another
  // worker takes them over (stalled-job recovery), so nothing accepted is lost.
  await worker.close();
  await ops.close();
  await Promise.allSettled([db.$disconnect(), redis.quit(), blocking.quit(), tracing.shutdown()]);
});
