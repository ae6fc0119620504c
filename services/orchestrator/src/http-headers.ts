import type { FastifyInstance, FastifyReply } from "fastify";

/** Headers a browser client may read and send (Idempotent-Replayed tells a retry it hit the first result). */
const EXPOSED = "Idempotent-Replayed, Location, Retry-After, WWW-Authenticate";
const ALLOWED_HEADERS = "Authorization, Content-Type, Idempotency-Key, Last-Event-ID";

/**
 * Baseline security headers on every response, and CORS for the configured origins (none by
 * default: the dashboard is served from the API's own origin and needs none).
 */
export function registerHttpHeaders(app: FastifyInstance, corsOrigins: readonly string[]): void {
  const anyOrigin = corsOrigins.includes("*");
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-content-type-options", "nosniff");
    reply.header("referrer-policy", "no-referrer");
    reply.header("x-frame-options", "DENY");

    const origin = request.headers.origin;
    if (corsOrigins.length === 0 || !origin) return;
    if (!anyOrigin && !corsOrigins.includes(origin)) return;
    reply.header("access-control-allow-origin", anyOrigin ? "*" : origin);
    if (!anyOrigin) reply.header("vary", "Origin");
    reply.header("access-control-expose-headers", EXPOSED);
    if (request.method === "OPTIONS" && request.headers["access-control-request-method"]) {
      reply.header("access-control-allow-methods", "GET, POST, OPTIONS");
      reply.header("access-control-allow-headers", ALLOWED_HEADERS);
      reply.header("access-control-max-age", "600");
      return reply.code(204).send();
    }
  });
}

/** The headers set so far, for responses written straight to the socket (SSE) that bypass Fastify's send. */
export function pendingHeaders(reply: FastifyReply): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : String(value);
  }
  return headers;
}
