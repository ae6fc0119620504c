import { AppError, ServiceUnavailable } from "@threads-agent/http";
import type { FastifyRequest } from "fastify";

const NETWORK =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE|Connection terminated|connection is closed|Can't reach database/i;
const REDIS_OFFLINE = /Stream isn't writeable|Connection is closed|max retries per request|enableOfflineQueue/i;
const PRISMA_UNREACHABLE = new Set(["P1001", "P1002", "P1008", "P1017", "P2024"]);

/**
 * A dependency outage as the client should see it: 503 naming what is down, so it retries later,
 * instead of a 500 that reads like a bug. Anything else is returned as it was.
 */
export function asServiceUnavailable(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const name = err.name ?? "";
  const code = (err as { code?: unknown }).code;
  const message = err.message ?? "";
  const fromDatabase = name.startsWith("Prisma") || name === "DriverAdapterError";
  if (fromDatabase) {
    if (name === "PrismaClientInitializationError" || (typeof code === "string" && PRISMA_UNREACHABLE.has(code)) || NETWORK.test(message)) {
      return new ServiceUnavailable("The database is unreachable right now; retry in a few seconds");
    }
    return err;
  }
  if (name === "MaxRetriesPerRequestError" || REDIS_OFFLINE.test(message) || (typeof code === "string" && NETWORK.test(code))) {
    return new ServiceUnavailable("Redis (queue and event store) is unreachable right now; retry in a few seconds");
  }
  return err;
}

/**
 * Errors of the API routes as the client should see them; registerCommon's handler then formats
 * the result as problem+json. Body errors name the header or limit to fix.
 */
export function translateError(error: unknown, request: FastifyRequest, bodyLimit: number): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === "FST_ERR_CTP_INVALID_MEDIA_TYPE" || code === "FST_ERR_CTP_INVALID_TYPE") {
    const sent = request.headers["content-type"];
    return new AppError(
      415,
      "unsupported-media-type",
      "Unsupported media type",
      `Send the body as application/json${sent ? ` (got ${sent})` : " with a Content-Type header"}`,
      [{ field: "Content-Type", message: sent ? `expected application/json, got ${sent}` : "is required with a body" }],
    );
  }
  if (code === "FST_ERR_CTP_BODY_TOO_LARGE") {
    return new AppError(413, "body-too-large", "Body too large", `The body is larger than the ${bodyLimit}-byte limit`, [
      { field: "(body)", message: `at most ${bodyLimit} bytes` },
    ]);
  }
  return asServiceUnavailable(error);
}
