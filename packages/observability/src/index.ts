export { logConnectionHealth } from "./connection-health.ts";
export { createLogger, type Logger, redactSecrets, SECRET_PATTERNS } from "./logger.ts";
export { createMetrics, type HttpMetricsHook, type Metrics, observeHttp } from "./metrics.ts";
export { type OpsServer, type ReadinessCheck, runReadinessChecks, startOpsServer } from "./ops-server.ts";
export { onShutdown } from "./shutdown.ts";
export { startTelemetry, type TelemetryConfig } from "./telemetry.ts";
export { injectTraceContext, inSpan, startTracing, type Tracing, tracer, withExtractedContext } from "./tracing.ts";
