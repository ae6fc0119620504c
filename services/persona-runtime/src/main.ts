import { createLlmRouter } from "@threads-agent/llm";
import { createLogger, createMetrics, onShutdown, startTracing } from "@threads-agent/observability";
import { buildApp } from "./app.ts";
import { loadServiceConfig } from "./config.ts";

const config = loadServiceConfig();
const logger = createLogger({ service: "persona-runtime", level: config.LOG_LEVEL });
const tracing = startTracing({ service: "persona-runtime", endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
const metrics = createMetrics("persona-runtime");
// Only the offline provider exists so far; OpenAI and Anthropic providers register here once added.
const llm = createLlmRouter({ offline: { streamDelayMs: config.OFFLINE_STREAM_DELAY_MS } });

let accepting = true;
const app = buildApp({ config, logger, metrics, llm, accepting: () => accepting });

onShutdown(logger, config.SHUTDOWN_GRACE_MS, async () => {
  // Fail /ready first so the load balancer stops sending work; close() then waits for streams in flight.
  accepting = false;
  await app.close();
  await tracing.shutdown();
});

await app.listen({ host: config.HOST, port: config.PORT });
logger.info(
  { host: config.HOST, port: config.PORT, hook_model: config.HOOK_MODEL, body_model: config.BODY_MODEL },
  "persona-runtime listening",
);
