import { env, loadConfig } from "@threads-agent/config";
import { DEFAULT_REPO_HOSTS, Duration, RunMaxVariationsSetting } from "@threads-agent/contracts";
import { z } from "zod";

// Every key is an environment variable; the Helm chart sets them and its tests read this schema.
export const configSchema = z.object({
  /** Port of the public API, SSE streams, docs and dashboard. */
  PORT: env.port(8080),
  /** Interface to bind; 0.0.0.0 in containers, 127.0.0.1 to keep a laptop's instance private. */
  HOST: z.string().min(1).default("0.0.0.0"),
  /** PostgreSQL holding personas, tasks and posts. */
  DATABASE_URL: env.databaseUrl,
  /** Redis for the BullMQ queue, the event streams and idempotency keys. */
  REDIS_URL: env.redisUrl,
  /** Prefix of every Redis key this deployment writes (queues included), so deployments and tests never collide. */
  REDIS_PREFIX: env.common.REDIS_PREFIX,
  /** pino level. */
  LOG_LEVEL: env.common.LOG_LEVEL,
  /** Comma-separated API keys accepted as `Authorization: Bearer <key>`; empty turns auth off (the local default). */
  API_KEYS: env.list([]),
  /** The window `posts_engagement_rate` and `cost_per_follow_dollars` cover on /metrics (a duration: 24h, 7d, 30d). */
  ENGAGEMENT_METRICS_WINDOW: Duration.prefault("7d"),
  /** Interval of SSE heartbeat comments, which keep proxies from closing idle streams. */
  SSE_HEARTBEAT_MS: env.positiveInt(15_000),
  /** How long a finished task's event stream stays readable; afterwards SSE answers with a snapshot from the database. */
  EVENT_RETENTION_SECONDS: env.positiveInt(604_800),
  /** Approximate cap on entries per event stream (XADD MAXLEN ~). */
  EVENT_STREAM_MAXLEN: env.positiveInt(10_000),
  /** How often the reconciler looks for unfinished tasks and runs whose job is gone or dead-lettered. */
  RECONCILE_INTERVAL_MS: env.positiveInt(15_000),
  /** Unfinished work is left alone until this long after its last change (its writer may still be enqueueing it). */
  RECONCILE_AFTER_MS: env.positiveInt(10_000),
  /** Times the reconciler queues an unfinished task or run again after its job was dead-lettered, before failing it. */
  RECONCILE_MAX_REVIVALS: env.positiveInt(3),
  /** How often the outbox relay looks for committed events nobody published (a crash or Redis outage after a commit). */
  OUTBOX_RELAY_INTERVAL_MS: env.positiveInt(500),
  /** Test only: the process kills itself right after its first event commit, before publishing it (the crash-window test). */
  FAULT_CRASH_AFTER_COMMIT: env.flag(false),
  /** How long an Idempotency-Key is remembered. */
  IDEMPOTENCY_TTL_SECONDS: env.positiveInt(86_400),
  /** Largest request body accepted; larger ones get 413. */
  BODY_LIMIT_BYTES: env.positiveInt(65_536),
  /**
   * Threads Graph API root with its version: `https://graph.threads.net/v1.0`, or fake-threads' `/v1.0`
   * locally. The worker publishes there; the orchestrator checks each token linked with
   * PUT /v1/personas/:id/threads-account against it (`GET /me`) before storing it.
   */
  THREADS_API_URL: env.threadsApiUrl,
  /** Deadline of one Threads read (the token check here; the worker's reads and container creation); a timeout counts as Threads unavailable. */
  THREADS_TIMEOUT_MS: env.positiveInt(10_000),
  /**
   * Encrypts the Threads tokens stored in the database (32 random bytes, base64: `openssl rand -base64 32`).
   * Linking an account needs it; once tokens are stored, the orchestrator and the worker refuse to start without it.
   */
  TOKEN_ENCRYPTION_KEY: env.tokenEncryptionKey,
  /** Attempts per content job before it becomes a dead letter (the worker reads them from the job). */
  TASK_MAX_ATTEMPTS: env.positiveInt(5),
  /** First retry delay of a content job; doubles on each further attempt. */
  TASK_BACKOFF_MS: env.positiveInt(2_000),
  /** Most variations one agent run may have (each is a Job; the agent-launcher enforces the same limit). */
  RUN_MAX_VARIATIONS: RunMaxVariationsSetting,
  /** Hosts agent-run repositories may come from (`*.example.com` for subdomains, `*` for any public host). */
  REPO_HOST_ALLOWLIST: env.list(DEFAULT_REPO_HOSTS),
  /** Directories file:// repositories for agent runs may be under (comma-separated absolute paths; `true`: the checkout and the system temp dir; `false`: none). Tests and local development only. */
  ALLOW_FILE_REPOS: env.fileRepoRoots(),
  /**
   * Allow `POST /v1/runs/{id}/winner` with `push`: the winner's patch committed on a new branch and
   * pushed by the agent-launcher (its push credential is the launcher's: SHIP_TOKEN / SHIP_SSH_KEY
   * locally, AGENT_SHIP_SECRET in Kubernetes; never the orchestrator's or the database's).
   */
  SHIP_ENABLED: env.flag(false),
  /** How long a push request waits for the push to end before answering 202 (the run then shows it pushing); 0 answers 202 at once. */
  SHIP_WAIT_SECONDS: env.nonNegativeInt(60),
  /** How often every trend source (RSS/Atom feed) is polled; new items become trends tasks can take. */
  TREND_POLL_SECONDS: env.positiveInt(900),
  /**
   * Accept trend feeds on loopback, private and link-local addresses (tests and local development
   * only: a feed URL is user input, and the orchestrator could otherwise be made to fetch internal services).
   */
  ALLOW_PRIVATE_FEEDS: env.flag(false),
  /** Deadline of one feed fetch (connect, headers and body, redirects included). */
  FEED_TIMEOUT_MS: env.positiveInt(10_000),
  /** Largest feed read; a bigger one fails its poll. */
  FEED_MAX_BYTES: env.positiveInt(2_000_000),
  /**
   * persona-runtime: the worker streams each generation from it, the orchestrator's guardrail
   * checks a reviewer's edited text there. Several instances with no load balancer in front:
   * comma-separated URLs (the worker balances with undici's BalancedPool, guardrail checks take turns).
   */
  PERSONA_RUNTIME_URL: env.urlList(["http://127.0.0.1:8081"]),
  /** Deadline of one guardrail check there. */
  PERSONA_RUNTIME_TIMEOUT_MS: env.positiveInt(15_000),
  /** Requests one client may make to the API per window (per API key with auth on, else per client address); 0 turns the limit off. Streams, health and metrics are not counted. */
  RATE_LIMIT_MAX: env.nonNegativeInt(300),
  /** The rate limit's window. */
  RATE_LIMIT_WINDOW_SECONDS: env.positiveInt(60),
  /** Comma-separated browser origins allowed to call the API cross-origin (`*` for any); unset sends no CORS headers. */
  CORS_ORIGINS: env.list([]),
  /** Trust X-Forwarded-* from the ingress (client address and protocol in logs). */
  TRUST_PROXY: env.flag(false),
  /** OTLP/HTTP endpoint (e.g. http://jaeger:4318); tracing is off when unset. */
  OTEL_EXPORTER_OTLP_ENDPOINT: env.common.OTEL_EXPORTER_OTLP_ENDPOINT,
  /** Grace period on SIGTERM for in-flight requests before connections are closed. */
  SHUTDOWN_GRACE_MS: env.common.SHUTDOWN_GRACE_MS,
});

export type Config = z.output<typeof configSchema>;

export function loadServiceConfig(environment: Record<string, string | undefined> = process.env): Config {
  return loadConfig("orchestrator", configSchema, environment);
}
