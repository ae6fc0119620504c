import { ServiceUnavailable } from "@threads-agent/http";
import { type Logger, logConnectionHealth, ReadinessFailure } from "@threads-agent/observability";
import { Redis } from "ioredis";

/**
 * The shared connection for requests, the queue and readiness. Commands fail at once while Redis
 * is unreachable (no offline queue, one retry), so requests get a prompt 503 and /ready a prompt
 * answer instead of hanging; ioredis keeps reconnecting in the background.
 */
export function createRedis(url: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5_000),
  });
  logConnectionHealth(logger, "Redis", [redis]);
  return redis;
}

/** Waits for the first connection, failing with a message that says what to check. */
export function waitUntilReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off("ready", onReady);
      const { host, port } = redis.options;
      reject(new Error(`Redis at ${host}:${port} did not answer within ${timeoutMs} ms; is it running and is REDIS_URL right?`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once("ready", onReady);
  });
}

/** Readiness: fails immediately while disconnected instead of waiting for a reconnect. */
export async function pingRedis(redis: Redis): Promise<void> {
  if (redis.status !== "ready") throw new ReadinessFailure(`not connected (${redis.status})`);
  await redis.ping();
}

/**
 * Guards queue operations: BullMQ waits (without limit) for a connection to come back, so a call
 * while Redis is down would hang the request. Fail at once with a 503 instead.
 */
export function assertRedisReady(redis: Redis): void {
  if (redis.status !== "ready")
    throw new ServiceUnavailable("Redis (queue and event store) is unreachable right now; retry in a few seconds");
}
