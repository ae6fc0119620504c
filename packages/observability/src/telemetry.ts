import { createLogger, type Logger } from "./logger.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { startTracing, type Tracing } from "./tracing.ts";

/** The logging and tracing settings every service has (`env.common` in @threads-agent/config). */
export type TelemetryConfig = { LOG_LEVEL: string; OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined };

/**
 * What a service's main starts first: its logger, tracing (exported only when an OTLP endpoint is
 * set) and metrics registry, all named after the service.
 */
export function startTelemetry(
  service: string,
  config: TelemetryConfig,
  options: { destination?: NodeJS.WritableStream } = {},
): { logger: Logger; tracing: Tracing; metrics: Metrics } {
  const logger = createLogger({ service, level: config.LOG_LEVEL, ...options });
  const tracing = startTracing({ service, endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const metrics = createMetrics(service);
  return { logger, tracing, metrics };
}
