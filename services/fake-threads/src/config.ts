import { env, loadConfig } from "@threads-agent/config";
import { z } from "zod";

export const configSchema = z.object({
  /** HTTP port of the Threads stand-in. */
  PORT: env.port(9009),
  /** Interface to listen on. */
  HOST: z.string().min(1).default("0.0.0.0"),
  /** pino level. */
  LOG_LEVEL: env.logLevel,
  /** When set, every API call must send `Authorization: Bearer <it>`, as the real Threads API requires a token. */
  THREADS_ACCESS_TOKEN: z.string().min(1).optional(),
  /** Serve the test-only `/_faults` endpoint (on by default: this whole service is a test double). */
  FAULT_INJECTION: env.flag(true),
  /** Posts kept in memory; the oldest (and its idempotency key) are forgotten beyond this. */
  MAX_POSTS: env.positiveInt(10_000),
  /** OTLP/HTTP endpoint (e.g. http://jaeger:4318); tracing is off when unset. */
  OTEL_EXPORTER_OTLP_ENDPOINT: env.common.OTEL_EXPORTER_OTLP_ENDPOINT,
  /** Time in-flight requests get to finish on SIGTERM. */
  SHUTDOWN_GRACE_MS: env.common.SHUTDOWN_GRACE_MS,
});

export type Config = z.output<typeof configSchema>;

export function loadServiceConfig(environment: Record<string, string | undefined> = process.env): Config {
  return loadConfig("fake-threads", configSchema, environment);
}
