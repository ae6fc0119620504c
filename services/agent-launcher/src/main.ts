import { configOrExit } from "@threads-agent/config";
import { onShutdown, startOpsServer, startTelemetry } from "@threads-agent/observability";
import { createBackend } from "./backends/create-backend.ts";
import { loadServiceConfig } from "./config.ts";
import { type AgentLauncherDeps, createDeps } from "./deps.ts";
import { createLauncher } from "./launcher.ts";

const config = configOrExit(loadServiceConfig);
const { logger, tracing, metrics } = await startTelemetry("agent-launcher", config, { http: false });
let deps: AgentLauncherDeps;
try {
  deps = createDeps(config, {
    logger,
    metrics,
    backend: (parts) => createBackend({ config, env: process.env, ...parts }),
    backendName: config.AGENT_BACKEND,
  });
} catch (err) {
  // No cluster configured, an unreadable kubeconfig: say so plainly instead of a stack trace.
  logger.fatal({ err: { message: (err as Error).message } }, `cannot start the ${config.AGENT_BACKEND} backend`);
  process.exit(78);
}

const launcher = createLauncher(deps, { concurrency: config.RUN_CONCURRENCY, shipConcurrency: config.SHIP_CONCURRENCY });

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
  ],
});
await launcher.start();
deps.relay.start();
logger.info(
  { metrics_port: ops.port, backend: deps.backend.name, concurrency: config.RUN_CONCURRENCY, max_variations: config.RUN_MAX_VARIATIONS },
  "agent-launcher started",
);

onShutdown(logger, config.SHUTDOWN_GRACE_MS, async () => {
  accepting = false;
  // Kubernetes: runs are handed back (their Jobs keep running; the next launcher resumes them).
  // Local: the agent processes are stopped and their variations fail with that reason.
  await launcher.close();
  await ops.close();
  await deps.close();
  await tracing.shutdown();
});
