import { createLogger, type Logger } from "./logger.ts";
import { createMetrics, type Metrics } from "./metrics.ts";
import { startTracing, type Tracing } from "./tracing.ts";

/** The logging and tracing settings every service has (`env.common` in @threads-agent/config). */
export type TelemetryConfig = { LOG_LEVEL: string; OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined };

/**
 * What a service's main starts first: tracing (the SDK and its instrumentations load only when an
 * OTLP endpoint is set), its logger (whose lines carry the active trace) and metrics registry, all
 * named after the service. `http: false` for services without an HTTP API beyond ops.
 */
export async function startTelemetry(
  service: string,
  config: TelemetryConfig,
  options: { destination?: NodeJS.WritableStream; http?: boolean } = {},
): Promise<{ logger: Logger; tracing: Tracing; metrics: Metrics }> {
  const tracing = await startTracing({ service, endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT });
  const logger = createLogger({ service, level: config.LOG_LEVEL, ...(options.destination ? { destination: options.destination } : {}) });
  const metrics = createMetrics(service, options.http === false ? { http: false } : {});
  return { logger, tracing, metrics };
}
