import { env, loadConfig } from "@threads-agent/config";
import { DurationList } from "@threads-agent/contracts";
import { z } from "zod";

export const configSchema = z.object({
  ...env.common,
  /** Interface for the ops server (/health, /ready, /metrics). */
  HOST: z.string().default("0.0.0.0"),
  /** Port of the ops server; the worker has no other HTTP API. */
  METRICS_PORT: env.port(9100),
  DATABASE_URL: env.databaseUrl,
  REDIS_URL: env.redisUrl,
  /**
   * persona-runtime base URL; the worker streams each task's generation from it. Several
   * (comma-separated: instances without a load balancer in front) are balanced by the client.
   */
  PERSONA_RUNTIME_URL: env.urlList(["http://127.0.0.1:8081"]),
  /**
   * Upper bound for one generation (all five steps) before the attempt counts as failed. Covers
   * persona-runtime's own retries and a fallback model per step (about 2 x LLM_TIMEOUT_MS each).
   */
  PERSONA_RUNTIME_TIMEOUT_MS: env.positiveInt(120_000),
  /**
   * Threads Graph API root with its version: `https://graph.threads.net/v1.0` for the real Threads,
   * fake-threads' `/v1.0` locally (the local stack and the chart point it at their fake-threads).
   */
  THREADS_API_URL: env.threadsApiUrl,
  /**
   * Long-lived Threads access token of the default account: personas without an account of their
   * own (PUT /v1/personas/:id/threads-account) publish as it. Never logged.
   */
  THREADS_ACCESS_TOKEN: z.string().min(1).optional(),
  /** The default account's Threads user id; unset: asked once with `GET /me?fields=id,username`. */
  THREADS_USER_ID: z
    .string()
    .regex(/^\d{1,30}$/, "a numeric Threads user id")
    .optional(),
  /** Deadline of one Threads read or container creation; a timeout is retried like any transient fault. */
  THREADS_TIMEOUT_MS: env.positiveInt(10_000),
  /** Deadline of one threads_publish call. Past it the outcome is unknown: the next attempt asks Threads before acting. */
  THREADS_PUBLISH_TIMEOUT_MS: env.positiveInt(30_000),
  /**
   * How long past THREADS_PUBLISH_TIMEOUT_MS an earlier publish attempt may still be in flight: a
   * retry that finds its claim younger than both waits (its job delayed) before trusting a FINISHED container.
   */
  THREADS_PUBLISH_GRACE_MS: env.nonNegativeInt(60_000),
  /** How often a new media container's status is polled until it is FINISHED. */
  THREADS_CONTAINER_POLL_MS: env.positiveInt(1_000),
  /** Longest wait for a container to be FINISHED in one attempt (Threads processes text in seconds). */
  THREADS_CONTAINER_TIMEOUT_MS: env.positiveInt(60_000),
  /** Longest one quota deferral waits before the worker checks threads_publishing_limit again. */
  THREADS_QUOTA_RECHECK_MAX_MS: env.positiveInt(3_600_000),
  /** How often the worker looks for Threads tokens close to expiry (a BullMQ job scheduler: one run per interval across replicas). */
  THREADS_TOKEN_REFRESH_INTERVAL_MS: env.positiveInt(6 * 3_600_000),
  /** Long-lived tokens expiring within this many seconds are refreshed (they last 60 days; 7 days ahead by default). */
  THREADS_TOKEN_REFRESH_AHEAD_S: env.positiveInt(7 * 86_400),
  /** Encrypts the Threads tokens stored in the database (32 bytes, base64); required once an account is linked. */
  TOKEN_ENCRYPTION_KEY: env.tokenEncryptionKey,
  /** Test only: the worker kills itself (SIGKILL) at this point of its next publish (the exactly-once crash-window tests). */
  FAULT_CRASH_AT: z.enum(["none", "container_created", "container_committed", "publish_answered"]).default("none"),
  /**
   * When a published post's insights (views, likes, replies, reposts, quotes, shares) are read
   * back: offsets after the worker saw the publish, comma-separated durations (`90s`, `6h`, `3d`).
   * Each reading also collects the account's follower count.
   */
  INSIGHTS_SCHEDULE: DurationList.prefault("1h,6h,24h,72h"),
  /** How often every account's follower count is collected (a BullMQ job scheduler: one run per interval across replicas). */
  FOLLOWERS_INTERVAL_MS: env.positiveInt(86_400_000),
  /** The longest wait between two tries of an insights reading Threads did not answer (outage, rate limit). */
  INSIGHTS_RETRY_MAX_MS: env.positiveInt(3_600_000),
  /** An insights reading Threads has not answered for this long is given up. */
  INSIGHTS_GIVE_UP_MS: env.positiveInt(3 * 86_400_000),
  /**
   * A draft whose pg_trgm similarity to one of the persona's recent posts reaches this (0-1) is a
   * near-duplicate: it is redrafted once from another angle, then the task ends `blocked`
   * (`duplicate`). Above 1 turns the check off.
   */
  NEAR_DUPLICATE_THRESHOLD: z.coerce.number({ message: "expected a number between 0 and 1 (above 1: off)" }).min(0).default(0.65),
  /** How many of the persona's newest posts a draft is compared with. */
  NEAR_DUPLICATE_RECENT: env.positiveInt(50),
  /**
   * How long the worker keeps a persona's hook-style figures (the bandit's posteriors, from every
   * published post's latest insights) before reading them again; they change only when insights
   * readings arrive. 0: read for every task.
   */
  HOOK_STATS_TTL_MS: env.nonNegativeInt(30_000),
  /** Content jobs processed at once by this process (each mostly waits on the network). */
  WORKER_CONCURRENCY: env.positiveInt(8),
  /** How long a job stays locked without renewal; a killed worker's job is taken over after about this long. */
  WORKER_LOCK_MS: env.positiveInt(30_000),
  /** How often this worker looks for stalled jobs (locks that expired). */
  WORKER_STALLED_INTERVAL_MS: env.positiveInt(30_000),
  /**
   * Consecutive failures of one dependency (persona-runtime, Threads, the model providers) that
   * open its circuit breaker: the worker takes no jobs until a probe finds it back. Below the
   * task's attempts (TASK_MAX_ATTEMPTS) so an outage is noticed before any task would give up.
   */
  BREAKER_FAILURES: env.positiveInt(3),
  /** How long an open breaker waits before its first half-open probe; doubled after each failed probe. */
  BREAKER_OPEN_MS: env.positiveInt(5_000),
  /** Upper bound of an open breaker's wait between probes. */
  BREAKER_MAX_OPEN_MS: env.positiveInt(30_000),
  /**
   * How long a task may wait for an unavailable dependency (from its first failure) before it
   * fails with that reason. Waiting spends no attempt. 0: tasks never wait, a dependency's failure
   * is retried and fails the task like any transient fault (the breakers still pause the worker).
   */
  OUTAGE_BUDGET_MS: env.nonNegativeInt(3_600_000),
  /**
   * At SIGTERM in-flight jobs get SHUTDOWN_GRACE_MS minus this (at most half the grace) to
   * finish; the ones still running are then handed back to the queue for another worker.
   */
  SHUTDOWN_HANDBACK_MS: env.positiveInt(5_000),
  /** Approximate cap on each task's event stream. */
  EVENT_STREAM_MAXLEN: env.positiveInt(10_000),
  /** How long a finished task's event stream is kept. */
  EVENT_RETENTION_SECONDS: env.positiveInt(7 * 24 * 3600),
});

export type WorkerConfig = z.output<typeof configSchema>;

/** How long after SIGTERM the worker hands its in-flight jobs back (SHUTDOWN_HANDBACK_MS before the grace ends). */
export const handBackAfterMs = (config: Pick<WorkerConfig, "SHUTDOWN_GRACE_MS" | "SHUTDOWN_HANDBACK_MS">): number =>
  Math.max(0, config.SHUTDOWN_GRACE_MS - Math.min(config.SHUTDOWN_HANDBACK_MS, config.SHUTDOWN_GRACE_MS / 2));

export function loadServiceConfig(source: Record<string, string | undefined> = process.env): WorkerConfig {
  return loadConfig("worker", configSchema, source);
}
