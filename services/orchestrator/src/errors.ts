import { AppError, ServiceUnavailable } from "@threads-agent/http";
import type { FastifyRequest } from "fastify";

export type ErrorContext = {
  bodyLimit: number;
  /** True while the shared Redis connection is not ready: an error then is the outage, not a bug. */
  redisDown: () => boolean;
  /** Classifies database errors by their codes (the db package's isDatabaseUnavailable). */
  databaseDown: (err: unknown) => boolean;
};

/**
 * Errors of the API routes as the client should see them; registerCommon's handler then formats
 * the result as problem+json. A dependency outage is a 503 naming what is down (so the client
 * retries later) instead of a 500 that reads like a bug; body errors name the header or limit to
 * fix. Classification is by error codes and connection state, never by message text.
 */
export function translateError(error: unknown, request: FastifyRequest, context: ErrorContext): unknown {
  if (error instanceof AppError) return error;
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
    return new AppError(413, "body-too-large", "Body too large", `The body is larger than the ${context.bodyLimit}-byte limit`, [
      { field: "(body)", message: `at most ${context.bodyLimit} bytes` },
    ]);
  }
  if (context.databaseDown(error)) return new ServiceUnavailable("The database is unreachable right now; retry in a few seconds");
  if (context.redisDown()) return new ServiceUnavailable("Redis (queue and event store) is unreachable right now; retry in a few seconds");
  return error;
}
