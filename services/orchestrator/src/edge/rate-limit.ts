import { createHash } from "node:crypto";
import rateLimit from "@fastify/rate-limit";
import { TooManyRequests } from "@threads-agent/http";
import type { FastifyInstance } from "fastify";
import type { Redis } from "ioredis";
import { credentialsOf } from "./api-key-auth.ts";

export type RateLimitOptions = {
  /** Requests per window per client; 0 turns the limit off. */
  max: number;
  windowSeconds: number;
  redis: Redis;
  prefix: string;
  /** With auth on, each API key has its own budget; with auth off, each client address. */
  perApiKey: boolean;
};

/**
 * A request budget per client for every route of `scope`, counted in Redis so every replica shares
 * it and a restart does not reset it. Streams (which opt out with `config.rateLimit: false`) and
 * the ops routes (outside the scope) are not counted. Over budget: 429 problem+json with
 * Retry-After. If Redis is unreachable the request passes (the routes that need Redis answer 503).
 */
export async function limitRequests(scope: FastifyInstance, options: RateLimitOptions): Promise<void> {
  if (options.max === 0) return;
  await scope.register(rateLimit, {
    max: options.max,
    timeWindow: options.windowSeconds * 1000,
    redis: options.redis,
    nameSpace: `${options.prefix}:rate:`,
    skipOnError: true,
    keyGenerator: (request) => {
      const key = options.perApiKey ? credentialsOf(request) : undefined;
      // Never the key itself in Redis: its digest.
      return key ? `key:${createHash("sha256").update(key).digest("hex").slice(0, 32)}` : `ip:${request.ip}`;
    },
    errorResponseBuilder: (_request, context) =>
      new TooManyRequests(
        `At most ${context.max} requests per ${options.windowSeconds} s from one ${options.perApiKey ? "API key" : "client"}; retry in ${Math.ceil(context.ttl / 1000)} s`,
      ),
  });
}
