import { isDatabaseUnavailable } from "@threads-agent/db";
import { registerCommon, serverOptions } from "@threads-agent/http";
import Fastify, { type FastifyInstance } from "fastify";
import packageJson from "../package.json" with { type: "json" };
import { registerAuth } from "./auth.ts";
import type { OrchestratorDeps } from "./deps.ts";
import { translateError } from "./errors.ts";
import { registerHttpHeaders } from "./http-headers.ts";
import { IdempotencyKeys } from "./idempotency.ts";
import { registerJsonBody } from "./json-body.ts";
import { createOrchestratorMetrics } from "./metrics.ts";
import { pingRedis } from "./redis.ts";
import { registerDashboard } from "./routes/dashboard.ts";
import { registerDocs } from "./routes/docs.ts";
import { registerLegacyTaskRoute } from "./routes/legacy-task.ts";
import { registerPersonaRoutes } from "./routes/personas.ts";
import { registerPostRoutes } from "./routes/posts.ts";
import { registerQueueRoutes } from "./routes/queues.ts";
import type { RouteDeps } from "./routes/route-deps.ts";
import { registerRunRoutes } from "./routes/runs.ts";
import { registerTaskRoutes } from "./routes/tasks.ts";
import { registerThreadsAccountRoutes } from "./routes/threads-account.ts";
import { SseConnections } from "./sse-connections.ts";

export type AppOptions = {
  /** False while shutting down, so /ready fails and load balancers drain this replica. */
  accepting?: () => boolean;
};

/**
 * The orchestrator as a Fastify instance that has not started listening (main.ts listens; tests
 * inject or listen on a free port). Plugins go in a fixed order: body parsing and the shared
 * error/ops layer, then cross-cutting hooks (headers, CORS, auth), then docs, then routes.
 */
export async function buildApp(deps: OrchestratorDeps, options: AppOptions = {}): Promise<FastifyInstance> {
  const { config } = deps;
  const app = Fastify({
    ...serverOptions({ bodyLimit: config.BODY_LIMIT_BYTES, trustProxy: config.TRUST_PROXY }),
  });

  registerJsonBody(app);
  registerCommon(app, {
    logger: deps.logger,
    metrics: deps.metrics,
    checks: [
      { name: "redis", check: () => pingRedis(deps.redis) },
      { name: "database", check: () => deps.db.$queryRaw`SELECT 1` },
    ],
    ...(options.accepting ? { accepting: options.accepting } : {}),
  });
  registerHttpHeaders(app, config.CORS_ORIGINS);
  registerAuth(app, config.API_KEYS);

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

  await registerDocs(app, packageJson.version);
  await registerDashboard(app, { logger: deps.logger });
  await app.register(async (api) => {
    // Dependency outages become 503 naming the dependency, body errors name what to fix; registerCommon's handler formats them.
    api.setErrorHandler((error, request) => {
      throw translateError(error, request, {
        bodyLimit: config.BODY_LIMIT_BYTES,
        redisDown: () => deps.redis.status !== "ready",
        databaseDown: isDatabaseUnavailable,
      });
    });
    registerPersonaRoutes(api, routeDeps);
    registerThreadsAccountRoutes(api, routeDeps);
    registerTaskRoutes(api, routeDeps);
    registerLegacyTaskRoute(api, routeDeps);
    registerPostRoutes(api, routeDeps);
    registerQueueRoutes(api, routeDeps);
    registerRunRoutes(api, routeDeps);
  });
  return app;
}
