import { createHash, timingSafeEqual } from "node:crypto";
import { Unauthorized } from "@threads-agent/http";
import type { FastifyInstance, FastifyRequest } from "fastify";

declare module "fastify" {
  interface FastifyContextConfig {
    /** SSE routes: EventSource cannot set headers, so the key may come as `?access_token=`. */
    acceptsQueryToken?: boolean;
  }
}

const digest = (value: string) => createHash("sha256").update(value).digest();

/** The key a request presents: `Authorization: Bearer <key>`, or `?access_token=` where the route allows it. */
export function credentialsOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match?.[1] ?? "";
  }
  if (request.routeOptions.config.acceptsQueryToken) {
    const token = (request.query as Record<string, unknown> | undefined)?.access_token;
    if (typeof token === "string" && token) return token;
  }
  return undefined;
}

/**
 * Bearer API keys on every route of `scope` (the /v1 plugin and the original POST /task): scoped
 * by encapsulation, so health, metrics, docs and the dashboard stay public without any list of
 * paths. Off when API_KEYS is empty (the local default). Runs on onRequest, before the body is
 * read, so an anonymous client cannot make the server parse a large body.
 */
export function requireApiKey(scope: FastifyInstance, apiKeys: readonly string[]): void {
  if (apiKeys.length === 0) return;
  // Comparing fixed-length digests keeps the comparison constant-time whatever the key lengths.
  const accepted = apiKeys.map(digest);
  const isAccepted = (token: string) => {
    const candidate = digest(token);
    let ok = false;
    for (const key of accepted) ok = timingSafeEqual(candidate, key) || ok;
    return ok;
  };

  scope.addHook("onRequest", async (request, reply) => {
    if (request.method === "OPTIONS") return; // CORS preflights carry no credentials.
    const token = credentialsOf(request);
    if (token && isAccepted(token)) return;
    reply.header("www-authenticate", `Bearer realm="threads-agent"${token ? ', error="invalid_token"' : ""}`);
    throw new Unauthorized(
      token
        ? "The API key is not valid"
        : request.routeOptions.config.acceptsQueryToken
          ? "A valid API key is required: send 'Authorization: Bearer <key>' or ?access_token=<key>"
          : "A valid API key is required: send 'Authorization: Bearer <key>'",
    );
  });
}
