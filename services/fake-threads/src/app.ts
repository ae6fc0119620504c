import { registerCommon, serverOptions } from "@threads-agent/http";
import type { Logger, Metrics } from "@threads-agent/observability";
import Fastify, { type FastifyInstance } from "fastify";
import { registerGraphRoutes } from "./graph-routes.ts";
import { registerOriginalRoutes } from "./original-routes.ts";
import { createState, type StateConfig, type ThreadsState } from "./state.ts";
import { registerTestRoutes } from "./test-routes.ts";

export type AppDeps = {
  config: StateConfig;
  logger: Logger;
  metrics: Metrics;
  /** Clock for publish times, container lifecycles, token expiry and insights; tests move it forward. */
  now?: () => number;
  /** False while shutting down, so /ready fails and traffic drains away. */
  accepting?: () => boolean;
};

/**
 * fake-threads: the Threads Graph API under /v1.0 (containers, publishing, media, insights,
 * quota, tokens, Graph errors), the original threads-agent endpoints, and test-only endpoints for
 * faults, accounts, tokens and the clock. `app.threads` is the in-memory state, for tests.
 */
export function buildApp(deps: AppDeps): FastifyInstance & { threads: ThreadsState } {
  const app = Fastify(serverOptions({ logger: deps.logger }));
  registerCommon(app, { logger: deps.logger, metrics: deps.metrics, checks: [], ...(deps.accepting ? { accepting: deps.accepting } : {}) });
  app.removeContentTypeParser("text/plain");

  const state = createState({ config: deps.config, logger: deps.logger, metrics: deps.metrics, ...(deps.now ? { now: deps.now } : {}) });
  registerGraphRoutes(app, state);
  registerOriginalRoutes(app, state);
  if (deps.config.FAULT_INJECTION) registerTestRoutes(app, state);
  return Object.assign(app, { threads: state });
}
