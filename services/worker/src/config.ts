import { env, loadConfig } from "@threads-agent/config";
import { z } from "zod";

export const configSchema = z.object({
  ...env.common,
  /** Interface for the ops server (/health, /ready, /metrics). */
  HOST: z.string().default("0.0.0.0"),
  /** Port of the ops server; the worker has no other HTTP API. */
  METRICS_PORT: env.port(9100),
  DATABASE_URL: env.databaseUrl,
  REDIS_URL: env.redisUrl,
  /** persona-runtime base URL; the worker streams each task's generation from it. */
  PERSONA_RUNTIME_URL: env.url("http://127.0.0.1:8081"),
  /**
   * Upper bound for one generation (all five steps) before the attempt counts as failed. Covers
   * persona-runtime's own retries and a fallback model per step (about 2 x LLM_TIMEOUT_MS each).
   */
  PERSONA_RUNTIME_TIMEOUT_MS: env.positiveInt(120_000),
  /** Threads API (fake-threads in development). */
  THREADS_API_URL: env.url("http://127.0.0.1:9009"),
  /** Bearer token for the Threads API, when it requires one. */
  THREADS_ACCESS_TOKEN: z.string().optional(),
  /** Deadline of one publish call; a timeout is retried like any transient fault. */
  THREADS_TIMEOUT_MS: env.positiveInt(10_000),
  /** Content jobs processed at once by this process (each mostly waits on the network). */
  WORKER_CONCURRENCY: env.positiveInt(8),
  /** How long a job stays locked without renewal; a killed worker's job is taken over after about this long. */
  WORKER_LOCK_MS: env.positiveInt(30_000),
  /** How often this worker looks for stalled jobs (locks that expired). */
  WORKER_STALLED_INTERVAL_MS: env.positiveInt(30_000),
  /** Approximate cap on each task's event stream. */
  EVENT_STREAM_MAXLEN: env.positiveInt(10_000),
  /** How long a finished task's event stream is kept. */
  EVENT_RETENTION_SECONDS: env.positiveInt(7 * 24 * 3600),
});

export type WorkerConfig = z.output<typeof configSchema>;

export function loadServiceConfig(source: Record<string, string | undefined> = process.env): WorkerConfig {
  return loadConfig("worker", configSchema, source);
}
