import cors from "@fastify/cors";
import helmet from "@fastify/helmet";
import { isDatabaseUnavailable } from "@threads-agent/db";
import { notFound, registerCommon, serverOptions, useZodSchemas } from "@threads-agent/http";
import Fastify, { type FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import packageJson from "../package.json" with { type: "json" };
import type { OrchestratorDeps } from "./deps.ts";
import { requireApiKey } from "./edge/api-key-auth.ts";
import { limitRequests } from "./edge/rate-limit.ts";
import { translateError } from "./errors.ts";
import { IdempotencyKeys } from "./idempotency.ts";
import { registerJsonBody } from "./json-body.ts";
import { createOrchestratorMetrics } from "./metrics.ts";
import { pingRedis } from "./redis.ts";
import { DASHBOARD_CSP_DIRECTIVES, registerDashboard } from "./routes/dashboard.ts";
import { registerDocs } from "./routes/docs.ts";
import { engagementRoutes } from "./routes/engagement.ts";
import { legacyTaskRoute } from "./routes/legacy-task.ts";
import { personaRoutes } from "./routes/personas.ts";
import { postRoutes } from "./routes/posts.ts";
import { queueRoutes } from "./routes/queues.ts";
import type { RouteDeps } from "./routes/route-deps.ts";
import { runRoutes } from "./routes/runs.ts";
import { taskRoutes } from "./routes/tasks.ts";
import { threadsAccountRoutes } from "./routes/threads-account.ts";
import { trendRoutes } from "./routes/trends.ts";
import { SseConnections } from "./sse-connections.ts";

export type AppOptions = {
  /** False while shutting down, so /ready fails and load balancers drain this replica. */
  accepting?: () => boolean;
};

/** Headers a browser client may read and send (Idempotent-Replayed tells a retry it hit the first result). */
const EXPOSED_HEADERS = [
  "Idempotent-Replayed",
  "Location",
  "Retry-After",
  "WWW-Authenticate",
  "X-RateLimit-Limit",
  "X-RateLimit-Remaining",
];
const ALLOWED_HEADERS = ["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID"];

/**
 * The orchestrator as a Fastify instance that has not started listening (main.ts listens; tests
 * inject or listen on a free port). Plugins in a fixed order: zod schemas and the docs (which see
 * every route registered after them), the shared layer (problem+json errors, ops routes), external
 * plugins (helmet, CORS), the dashboard, then the API: /v1 as one prefixed plugin that carries auth
 * and the rate limit, and the original POST /task under the same two.
 */
export async function buildApp(deps: OrchestratorDeps, options: AppOptions = {}): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    ...serverOptions({ bodyLimit: config.BODY_LIMIT_BYTES, trustProxy: config.TRUST_PROXY, logger: deps.logger }),
  }).withTypeProvider<ZodTypeProvider>();

  registerJsonBody(app);
  useZodSchemas(app);
  // First, so the document sees every route registered after it (the ops routes included).
  await registerDocs(app, packageJson.version);
  registerCommon(app, {
    logger: deps.logger,
    metrics: deps.metrics,
    checks: [
      { name: "redis", check: () => pingRedis(deps.redis) },
      { name: "database", check: () => deps.db.$queryRaw`SELECT 1` },
    ],
    ...(options.accepting ? { accepting: options.accepting } : {}),
  });

  // Security headers on every answer; the strict policy is the dashboard's (an API answer has nothing to run anyway).
  await app.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: DASHBOARD_CSP_DIRECTIVES },
    frameguard: { action: "deny" },
    referrerPolicy: { policy: "no-referrer" },
    // Plain http on a laptop or behind a TLS-terminating ingress, which sets its own.
    strictTransportSecurity: false,
  });
  if (config.CORS_ORIGINS.length > 0) {
    await app.register(cors, {
      origin: config.CORS_ORIGINS.includes("*") ? "*" : [...config.CORS_ORIGINS],
      methods: ["GET", "POST", "PATCH", "PUT", "DELETE"],
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: EXPOSED_HEADERS,
      maxAge: 600,
    });
  }

  const sse = new SseConnections();
  // Before the server waits for open connections to finish: SSE streams never would.
  app.addHook("preClose", async () => sse.closeAll());

  const routeDeps: RouteDeps = {
    deps,
    sse,
    idempotency: new IdempotencyKeys({
      redis: deps.redis,
      prefix: config.REDIS_PREFIX,
      ttlSeconds: config.IDEMPOTENCY_TTL_SECONDS,
      logger: deps.logger,
    }),
    metrics: createOrchestratorMetrics(deps),
  };
  await deps.db.persona
    .findMany({ select: { id: true } })
    .then((rows) => routeDeps.metrics.personas(rows.map((r) => r.id)))
    .catch((err: unknown) => deps.logger.warn({ err: { message: (err as Error).message } }, "could not read the personas for metrics"));

  await registerDashboard(app, { logger: deps.logger });

  /** Auth and the rate limit on every route registered in `scope`, by encapsulation. */
  const guarded = async (scope: FastifyInstance) => {
    requireApiKey(scope, config.API_KEYS);
    await limitRequests(scope, {
      max: config.RATE_LIMIT_MAX,
      windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
      redis: deps.redis,
      prefix: config.REDIS_PREFIX,
      perApiKey: config.API_KEYS.length > 0,
    });
    // Dependency outages become 503 naming the dependency, body errors name what to fix; registerCommon's handler formats them.
    scope.setErrorHandler((error, request) => {
      throw translateError(error, request, {
        bodyLimit: config.BODY_LIMIT_BYTES,
        redisDown: () => deps.redis.status !== "ready",
        databaseDown: isDatabaseUnavailable,
      });
    });
  };

  // Named plugins: the name is what tracing calls their handler spans ("handler - publicApi").
  await app.register(
    async function publicApi(v1) {
      await guarded(v1);
      await v1.register(personaRoutes(routeDeps));
      await v1.register(engagementRoutes(routeDeps));
      await v1.register(threadsAccountRoutes(routeDeps));
      await v1.register(taskRoutes(routeDeps));
      await v1.register(postRoutes(routeDeps));
      await v1.register(queueRoutes(routeDeps));
      await v1.register(runRoutes(routeDeps));
      await v1.register(trendRoutes(routeDeps));
      // Unknown /v1 paths get the scope's hooks too (auth first: no route list for anonymous callers).
      v1.setNotFoundHandler((request, reply) => notFound(request, reply));
    },
    { prefix: "/v1" },
  );
  await app.register(async function originalApi(compat) {
    await guarded(compat);
    await compat.register(legacyTaskRoute(routeDeps));
  });
  return app;
}
