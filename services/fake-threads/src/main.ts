import { configOrExit } from "@threads-agent/config";
import { onShutdown, startTelemetry } from "@threads-agent/observability";
import { buildApp } from "./app.ts";
import { loadServiceConfig } from "./config.ts";
import { GRAPH_VERSION } from "./graph-routes.ts";

// A bad environment prints every problem and exits 78 (EX_CONFIG) rather than a stack trace.
const config = configOrExit(() => loadServiceConfig());
const { logger, tracing, metrics } = await startTelemetry("fake-threads", config);

let accepting = true;
const app = buildApp({ config, logger, metrics, accepting: () => accepting });

onShutdown(logger, config.SHUTDOWN_GRACE_MS, async () => {
  accepting = false;
  await app.close();
  await tracing.shutdown();
});

await app.listen({ host: config.HOST, port: config.PORT });
logger.info(
  {
    host: config.HOST,
    port: config.PORT,
    graph_api: `/${GRAPH_VERSION}`,
    default_account: app.threads.defaultAccount.username,
    accounts: app.threads.accounts.list().length,
    container_ready_ms: config.CONTAINER_READY_MS,
    publish_quota: config.PUBLISH_QUOTA,
    fault_injection: config.FAULT_INJECTION,
  },
  "fake-threads listening",
);
