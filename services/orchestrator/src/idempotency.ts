import { createHash } from "node:crypto";
import { redisKeys } from "@threads-agent/contracts";
import { Conflict, Unprocessable, ValidationFailed } from "@threads-agent/http";
import type { Logger } from "@threads-agent/observability";
import type { Redis } from "ioredis";

export const IDEMPOTENCY_HEADER = "idempotency-key";

// Printable ASCII, like Stripe's keys: safe in a Redis key and in logs.
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * A claim is held for this long until the action commits, so a request that died between claiming
 * and committing frees its key soon instead of blocking it for the whole retention window.
 */
const PENDING_SECONDS = 60;

const COMPARE_AND_DELETE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) end return 0`;
const COMPARE_AND_EXPIRE = `if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("EXPIRE", KEYS[1], ARGV[2]) end return 0`;

/** A repeat arrived while the first request still holds the key without having committed. */
export const stillInProgress = () =>
  new Conflict("A request with this Idempotency-Key is still in progress; retry in a moment", "idempotency-in-progress");

/** The entity a repeated create replays: none yet means the first request holds the key but has not committed its row. */
export function committed<T>(row: T | null): T {
  if (!row) throw stillInProgress();
  return row;
}

export type IdempotencyOptions = { redis: Redis; prefix: string; ttlSeconds: number; logger: Logger };

/** The Idempotency-Key header, validated; undefined when the client sent none. */
export function idempotencyKeyOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const value = headers[IDEMPOTENCY_HEADER];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !KEY_PATTERN.test(value)) {
    throw new ValidationFailed([
      { field: "Idempotency-Key", message: "must be 1-255 printable ASCII characters without spaces (a UUID works well)" },
    ]);
  }
  return value;
}

/** sha256 of the request as validated, with keys sorted, so formatting differences do not count as a different request. */
export function fingerprint(body: unknown): string {
  return createHash("sha256").update(canonicalJson(body)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

export type IdempotentRequest = {
  /** Names the operation, so one key used on two endpoints means two different things. */
  scope: string;
  key: string | undefined;
  /** The task this request creates (a fresh id) or acts on (the path id). */
  entityId: string;
  /** True when the request acts on an existing entity: reusing the key for another one is a mismatch. */
  sameEntity: boolean;
  body: unknown;
};

export type IdempotentResult<T> = { value: T; replayed: boolean };

/**
 * Idempotency-Key handling: the first request claims `<entity id>:<body hash>` with SET NX and
 * acts; a repeat with the same body gets `replay(entity id)` instead of acting twice; a repeat
 * with another body is a client bug (422). A claim whose action throws is released, so the
 * client can simply try again. A claim that cannot be committed after the action succeeded (Redis
 * went away in between) is logged and released too: its pending claim would otherwise expire in a
 * minute and let a retried request act a second time without anyone knowing.
 */
export class IdempotencyKeys {
  readonly redis: Redis;
  readonly prefix: string;
  readonly ttlSeconds: number;
  readonly logger: Logger;

  constructor(options: IdempotencyOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix;
    this.ttlSeconds = options.ttlSeconds;
    this.logger = options.logger;
  }

  async run<T>(request: IdempotentRequest, act: () => Promise<T>, replay: (entityId: string) => Promise<T>): Promise<IdempotentResult<T>> {
    if (request.key === undefined) return { value: await act(), replayed: false };
    const redisKey = redisKeys(this.prefix).idempotency(request.scope, request.key);
    const hash = fingerprint(request.body);
    const claim = `${request.entityId}:${hash}`;

    // Two rounds: the key can expire between a failed SET NX and the GET.
    for (let round = 0; round < 2; round++) {
      if ((await this.redis.set(redisKey, claim, "EX", PENDING_SECONDS, "NX")) === "OK") {
        let value: T;
        try {
          value = await act();
        } catch (err) {
          await this.release(redisKey, claim, request);
          throw err;
        }
        try {
          await this.redis.eval(COMPARE_AND_EXPIRE, 1, redisKey, claim, this.ttlSeconds);
        } catch (err) {
          this.logger.error(
            { err, scope: request.scope, entity_id: request.entityId },
            "the request succeeded but its Idempotency-Key could not be stored; a retry with this key will act again",
          );
          await this.release(redisKey, claim, request);
        }
        return { value, replayed: false };
      }
      const stored = await this.redis.get(redisKey);
      if (stored === null) continue;
      const separator = stored.lastIndexOf(":");
      const storedId = stored.slice(0, separator);
      const storedHash = stored.slice(separator + 1);
      if (storedHash !== hash || (request.sameEntity && storedId !== request.entityId)) {
        throw new Unprocessable(
          "This Idempotency-Key was already used for a different request; use a new key for a new request",
          "idempotency-key-reused",
          [{ field: "Idempotency-Key", message: "already used with a different request body" }],
        );
      }
      return { value: await replay(storedId), replayed: true };
    }
    throw stillInProgress();
  }

  /** Frees a claim; if even that fails the pending claim expires after PENDING_SECONDS. */
  private async release(redisKey: string, claim: string, request: IdempotentRequest): Promise<void> {
    try {
      await this.redis.eval(COMPARE_AND_DELETE, 1, redisKey, claim);
    } catch (err) {
      this.logger.warn(
        { err, scope: request.scope, entity_id: request.entityId },
        `could not release an Idempotency-Key claim; it expires in ${PENDING_SECONDS} s`,
      );
    }
  }
}
