import { createHash, timingSafeEqual } from "node:crypto";
import { Unauthorized } from "@threads-agent/http";
import type { FastifyInstance } from "fastify";

/** Probes and scrapes never carry the API token. */
const OPEN_ROUTES = new Set(["/health", "/ready", "/metrics", "/ping"]);

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * Requires `Authorization: Bearer <token>` on the API, like the real Threads API. Digests are
 * compared in constant time so response timing says nothing about the token.
 */
export function requireBearerToken(app: FastifyInstance, token: string): void {
  const expected = digest(token);
  app.addHook("onRequest", async (request, reply) => {
    if (OPEN_ROUTES.has(request.routeOptions.url ?? "")) return;
    const header = request.headers.authorization ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      reply.header("www-authenticate", 'Bearer realm="fake-threads"');
      throw new Unauthorized("An access token is required: send 'Authorization: Bearer <THREADS_ACCESS_TOKEN>'");
    }
    if (!timingSafeEqual(digest(match[1]!), expected)) {
      reply.header("www-authenticate", 'Bearer realm="fake-threads", error="invalid_token"');
      throw new Unauthorized("The access token is not valid");
    }
  });
}
