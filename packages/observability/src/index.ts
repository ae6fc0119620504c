export { logConnectionHealth } from "./connection-health.ts";
export { ERROR_REPEAT_WINDOW_MS, logErrors } from "./error-listener.ts";
export {
  answerClientError,
  DRAIN_MAX_BYTES,
  drainOversizedBody,
  HEADER_LIMIT_BYTES,
  PARSER_HEADER_LIMIT_BYTES,
  PROBLEM_TYPE_BASE,
  type RouteEntry,
  recordRoutes,
  refuseLargeHeads,
  requestHeadBytes,
  routesOf,
} from "./http-edge.ts";
export { createLogger, type Logger, redactSecrets, SECRET_PATTERNS, traceFields } from "./logger.ts";
export {
  createMetrics,
  type HttpMetricsHook,
  type Metrics,
  OPS_ROUTES,
  observeHttp,
  STATUS_CLASSES,
  startAtZero,
  statusClass,
} from "./metrics.ts";
export { type OpsServer, type ReadinessCheck, ReadinessFailure, runReadinessChecks, startOpsServer } from "./ops-server.ts";
export { queueTelemetry } from "./queue-telemetry.ts";
export { onShutdown } from "./shutdown.ts";
export { startTelemetry, type TelemetryConfig } from "./telemetry.ts";
export {
  entityOfContext,
  extractTraceContext,
  injectTraceContext,
  inSpan,
  linkTo,
  recordFailure,
  startTracing,
  type Tracing,
  type TracingOptions,
  tracer,
  withEntity,
  withExtractedContext,
} from "./tracing.ts";
