import type { Server } from "node:http";
import Fastify, { type FastifyError } from "fastify";
import type { Logger } from "pino";
import {
  answerClientError,
  drainOversizedBody,
  PARSER_HEADER_LIMIT_BYTES,
  PROBLEM_TYPE_BASE,
  type RouteEntry,
  recordRoutes,
  refuseLargeHeads,
  routesOf,
} from "./http-edge.ts";
import type { Metrics } from "./metrics.ts";

export type ReadinessCheck = { name: string; check: () => Promise<unknown> };
export type OpsServer = {
  port: number;
  /** Every route it serves (for the hostile-input suite). */
  routes: RouteEntry[];
  close: () => Promise<void>;
};

/**
 * A readiness failure whose message is safe to show in /ready (it says what is wrong in our own
 * words: "not connected (reconnecting)", "circuit open"). Any other error a check throws shows as
 * "unavailable" and its text (an ORM message, a database address) goes only to the log.
 */
export class ReadinessFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReadinessFailure";
  }
}

// Each check's last state, so a failure is logged when it starts (or changes), not on every probe.
const lastState = new WeakMap<ReadinessCheck, string>();

/**
 * Runs each check with a timeout; returns each check's state by name: `ok`, or what failed in
 * words safe to show. The failure's own text is logged (when a logger is given), not returned.
 */
export async function runReadinessChecks(checks: ReadinessCheck[], timeoutMs = 2000, logger?: Logger) {
  const results = await Promise.all(
    checks.map(async (entry) => {
      const { name, check } = entry;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new ReadinessFailure(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        if (lastState.get(entry) !== undefined && lastState.get(entry) !== "ok")
          logger?.info({ check: name }, `readiness check ${name} ok again`);
        lastState.set(entry, "ok");
        return { name, ok: true as const, state: "ok" };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (lastState.get(entry) !== message) logger?.warn({ check: name, err: { message } }, `readiness check ${name} failed`);
        lastState.set(entry, message);
        return { name, ok: false as const, state: err instanceof ReadinessFailure ? err.message : "unavailable" };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const failed = results.filter((r) => !r.ok);
  return { ready: failed.length === 0, checks: Object.fromEntries(results.map((r) => [r.name, r.state])) };
}

/**
 * /health, /ready and /metrics for services whose work is not HTTP (worker, agent-launcher). Every
 * other answer is problem+json too: a 404 for another path, parser-level errors (see answerClientError).
 */
export async function startOpsServer(options: {
  host: string;
  port: number;
  metrics: Metrics;
  checks: ReadinessCheck[];
  /** False while shutting down, so Kubernetes stops routing and probes say why. */
  accepting?: () => boolean;
  /** Where failed readiness checks are logged with their detail. */
  logger?: Logger;
}): Promise<OpsServer> {
  const problem = (status: number, slug: string, title: string, detail: string) => ({
    type: PROBLEM_TYPE_BASE + slug,
    title,
    status,
    detail,
  });
  const app = Fastify<Server>({
    logger: false,
    bodyLimit: 16 * 1024,
    requestTimeout: 30_000,
    http: { maxHeaderSize: PARSER_HEADER_LIMIT_BYTES },
    clientErrorHandler: answerClientError,
    // Router errors (malformed percent-encoding, over-long segments) never reach the error handler.
    frameworkErrors: (_error, _request, reply) => {
      reply.raw.writeHead(400, { "content-type": "application/problem+json; charset=utf-8" });
      reply.raw.end(JSON.stringify(problem(400, "bad-url", "Bad URL", "The URL is not valid (check its percent-encoding)")));
    },
  });
  recordRoutes(app);
  refuseLargeHeads(app);
  app.setNotFoundHandler((request, reply) =>
    reply
      .code(404)
      .type("application/problem+json")
      .send(
        problem(
          404,
          "not-found",
          "Not found",
          `No route ${request.method} ${request.url.split("?")[0]?.slice(0, 200)}; this port serves /health, /ready and /metrics`,
        ),
      ),
  );
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") drainOversizedBody(request, reply);
    if (status === 500) options.logger?.error({ err: error, url: request.url.split("?")[0] }, "ops server error");
    const body =
      status === 500
        ? problem(500, "internal", "Internal error", "Something went wrong on our side")
        : problem(status, "bad-request", "Bad request", error.message);
    return reply.code(status).type("application/problem+json").send(body);
  });
  app.get("/health", async () => ({ status: "ok", pid: process.pid }));
  app.get("/ready", async (_req, reply) => {
    if (options.accepting && !options.accepting()) return reply.code(503).send({ status: "shutting_down", checks: {} });
    const result = await runReadinessChecks(options.checks, undefined, options.logger);
    return reply.code(result.ready ? 200 : 503).send({ status: result.ready ? "ready" : "not_ready", checks: result.checks });
  });
  app.get("/metrics", async (_req, reply) => {
    reply.header("content-type", options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  return { port: typeof address === "object" && address ? address.port : options.port, routes: routesOf(app), close: () => app.close() };
}
