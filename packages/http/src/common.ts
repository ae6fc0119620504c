import { trace } from "@opentelemetry/api";
import type { Problem } from "@threads-agent/contracts";
import {
  drainOversizedBody,
  type Logger,
  type Metrics,
  observeHttp,
  PROBLEM_TYPE_BASE,
  type ReadinessCheck,
  recordFailure,
  recordRoutes,
  refuseLargeHeads,
  runReadinessChecks,
} from "@threads-agent/observability";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { isResponseSerializationError, type ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { AppError } from "./errors.ts";
import { useZodSchemas } from "./validation.ts";

export type CommonOptions = {
  logger: Logger;
  metrics: Metrics;
  checks: ReadinessCheck[];
  /** False while shutting down, so /ready fails and load balancers drain this instance. */
  accepting?: () => boolean;
};

/** The 404 of a path no route serves, as problem+json. */
export const notFound = (request: FastifyRequest, reply: FastifyReply) =>
  sendProblem(reply, {
    type: PROBLEM_TYPE_BASE + "not-found",
    title: "Not found",
    status: 404,
    detail: `No route ${request.method} ${request.url.split("?")[0]?.slice(0, 200)}`,
  });

/** The task or run a request is about (`/v1/tasks/:id/...`, `/v1/runs/:id/...`), for its access log line. */
function entityOfRequest(route: string, params: unknown): Record<string, string> {
  const id = (params as { id?: unknown } | undefined)?.id;
  if (typeof id !== "string") return {};
  if (route.startsWith("/v1/tasks/:id")) return { task_id: id };
  if (route.startsWith("/v1/runs/:id")) return { run_id: id };
  return {};
}

export function sendProblem(reply: FastifyReply, problem: Problem) {
  return reply.code(problem.status).type("application/problem+json").send(problem);
}

// Fastify's own errors for bad requests, with messages a client can act on.
const FRAMEWORK_ERRORS: Record<string, { status: number; code: string; title: string; detail: (e: FastifyError) => string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: {
    status: 400,
    code: "malformed-json",
    title: "Malformed JSON",
    detail: (e) =>
      `The body is not valid JSON: ${e.message.replace(/^Body is not valid JSON but content-type is set to 'application\/json'/, "").trim() || "parse error"}`,
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    status: 400,
    code: "malformed-json",
    title: "Malformed JSON",
    detail: () => "The body is empty but content-type is application/json",
  },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    code: "unsupported-media-type",
    title: "Unsupported media type",
    detail: () => "Send the body as application/json",
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    code: "bad-request",
    title: "Bad request",
    detail: () => "Content-Length does not match the body",
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    status: 413,
    code: "body-too-large",
    title: "Body too large",
    detail: () => "The request body is larger than this endpoint accepts",
  },
  FST_ERR_CTP_INVALID_TYPE: {
    status: 415,
    code: "unsupported-media-type",
    title: "Unsupported media type",
    detail: () => "Send the body as application/json",
  },
};

const Health = z.object({
  status: z.literal("ok"),
  pid: z
    .number()
    .int()
    .meta({ description: "The serving process, so a supervisor (scripts/up) can tell its own child from another process on the port" }),
});
const Readiness = z.object({
  status: z.enum(["ready", "not_ready", "shutting_down"]),
  checks: z.record(z.string(), z.string()).meta({ description: "Each dependency: `ok`, or what failed" }),
});

/**
 * The pieces every HTTP service shares: zod schemas on routes (validation naming each field,
 * responses serialised by their schema), problem+json for every error (never a stack trace, 5xx
 * text hidden), a problem+json 404, RED metrics per route (each route's series from 0, as it is
 * registered), one log line per request through Fastify's own request logger (request id, route,
 * status, duration, the task or run), /health, /ready, /metrics. Tracing (@fastify/otel, the HTTP
 * server spans) is registered on every Fastify instance by @threads-agent/observability's tracing start.
 */
export function registerCommon(app: FastifyInstance, options: CommonOptions): void {
  const http = observeHttp(options.metrics);
  useZodSchemas(app);
  recordRoutes(app);
  refuseLargeHeads(app);
  app.addHook("onRoute", (route) => {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== "HEAD");
    http.route(route.url, methods);
  });
  // Requests no route matched (404s for unknown URLs), for the methods clients use.
  http.route("unmatched", ["GET", "POST"]);

  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    http.observe(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
    if (route === "/health" || route === "/ready" || route === "/metrics") return;
    request.log.info(
      {
        ...entityOfRequest(route, request.params),
        method: request.method,
        route,
        url: request.url.split("?")[0],
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      "request",
    );
  });

  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) {
      return sendProblem(reply, {
        type: PROBLEM_TYPE_BASE + error.code,
        title: error.title,
        status: error.status,
        detail: error.message,
        instance: request.url.split("?")[0],
        ...(error.errors ? { errors: error.errors } : {}),
      });
    }
    const known = FRAMEWORK_ERRORS[(error as FastifyError).code];
    if (known) {
      // Read the rest of an oversized body, so the client sees this 413 rather than a reset.
      if ((error as FastifyError).code === "FST_ERR_CTP_BODY_TOO_LARGE") drainOversizedBody(request, reply);
      return sendProblem(reply, {
        type: PROBLEM_TYPE_BASE + known.code,
        title: known.title,
        status: known.status,
        detail: known.detail(error as FastifyError),
      });
    }
    if (isResponseSerializationError(error as unknown as Error & { method: string })) {
      // Our answer did not match its own schema: a bug on our side, logged with the issues.
      request.log.error(
        { err: error, issues: (error as { cause?: { issues?: unknown } }).cause?.issues },
        "response does not match its schema",
      );
      return sendProblem(reply, {
        type: PROBLEM_TYPE_BASE + "internal",
        title: "Internal error",
        status: 500,
        detail: `Something went wrong on our side; quote request id ${request.id} when reporting it`,
      });
    }
    const status = (error as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      return sendProblem(reply, { type: PROBLEM_TYPE_BASE + "bad-request", title: "Bad request", status, detail: error.message });
    }
    recordFailure(trace.getActiveSpan(), error);
    request.log.error({ err: error, route: request.routeOptions.url }, "unhandled error");
    return sendProblem(reply, {
      type: PROBLEM_TYPE_BASE + "internal",
      title: "Internal error",
      status: 500,
      detail: `Something went wrong on our side; quote request id ${request.id} when reporting it`,
    });
  });

  app.setNotFoundHandler(notFound);

  const ops = app.withTypeProvider<ZodTypeProvider>();
  ops.get(
    "/health",
    { config: { rateLimit: false }, schema: { summary: "Liveness", tags: ["ops"], response: { 200: Health } } },
    async () => ({ status: "ok" as const, pid: process.pid }),
  );
  ops.get(
    "/ready",
    {
      config: { rateLimit: false },
      schema: {
        summary: "Readiness: the service's dependencies answer",
        tags: ["ops"],
        response: { 200: Readiness, 503: Readiness.meta({ description: "A dependency is down; `checks` says which" }) },
      },
    },
    async (_request, reply) => {
      if (options.accepting && !options.accepting()) return reply.code(503).send({ status: "shutting_down", checks: {} });
      const result = await runReadinessChecks(options.checks, undefined, options.logger);
      return reply.code(result.ready ? 200 : 503).send({ status: result.ready ? "ready" : "not_ready", checks: result.checks });
    },
  );
  ops.get(
    "/metrics",
    {
      config: { rateLimit: false },
      schema: {
        summary: "Prometheus metrics",
        tags: ["ops"],
        response: { 200: { description: "Prometheus text format", content: { "text/plain": { schema: z.string() } } } },
      },
    },
    async (_request, reply) => {
      reply.header("content-type", options.metrics.registry.contentType);
      return options.metrics.registry.metrics();
    },
  );
}
