import { Readable } from "node:stream";
import { context as otelContext, propagation, SpanStatusCode, trace } from "@opentelemetry/api";
import { type FieldError, GenerateRequest, Problem } from "@threads-agent/contracts";
import { registerCommon, serverOptions, ValidationFailed } from "@threads-agent/http";
import { type LlmRouter, type Moderator, modelIdProblem } from "@threads-agent/llm";
import { type Logger, type Metrics, startAtZero } from "@threads-agent/observability";
import Fastify, { type FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Config } from "./config.ts";
import { errorFrame, generateFrames } from "./generate.ts";
import { registerGuardrailRoute } from "./guardrail-route.ts";
import { createModelChoice, type ModelChoice } from "./model-choice.ts";
import { ndjsonChunks } from "./ndjson.ts";
import { buildPersonaGraph, normalizeInput } from "./persona-graph.ts";

export type AppDeps = {
  config: Pick<
    Config,
    | "GUARDRAIL_BLOCKLIST"
    | "LLM_TIMEOUT_MS"
    | "HOOK_MODEL"
    | "BODY_MODEL"
    | "HOOK_FALLBACK_MODEL"
    | "BODY_FALLBACK_MODEL"
    | "OPENAI_API_KEY"
    | "ANTHROPIC_API_KEY"
  >;
  logger: Logger;
  metrics: Metrics;
  llm: LlmRouter;
  /** Model per step and its fallback; derived from `config` when not given. */
  models?: ModelChoice;
  /** OpenAI moderation for the guardrail; none without an OpenAI key. */
  moderator?: Moderator | null;
  /** False while shutting down, so /ready fails and traffic drains away. */
  accepting?: () => boolean;
};

/** The emoji frames the hook twice; anything longer than a ZWJ family sequence is not an emoji. */
const EMOJI_MAX_CHARS = 16;

/** Problems the contract schema cannot see: unusable model ids, blank input, an oversized emoji. */
function semanticProblems(request: GenerateRequest): FieldError[] {
  const problems: FieldError[] = [];
  for (const field of ["hook_model", "body_model"] as const) {
    const model = request.persona[field];
    const problem = model === null ? null : modelIdProblem(model);
    if (problem) problems.push({ field: `persona.${field}`, message: problem });
  }
  if (!normalizeInput(request.input)) problems.push({ field: "input", message: "must contain text, not only whitespace" });
  if (!request.persona.emoji.trim()) problems.push({ field: "persona.emoji", message: "must not be empty" });
  if (request.persona.emoji.length > EMOJI_MAX_CHARS) {
    problems.push({ field: "persona.emoji", message: `at most ${EMOJI_MAX_CHARS} characters` });
  }
  return problems;
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const app = Fastify(serverOptions({ logger: deps.logger })).withTypeProvider<ZodTypeProvider>();
  registerCommon(app, { logger: deps.logger, metrics: deps.metrics, checks: [], ...(deps.accepting ? { accepting: deps.accepting } : {}) });
  // JSON only: a text body gets a clear 415 instead of a confusing "expected object" 400.
  app.removeContentTypeParser("text/plain");

  const stepLatency = deps.metrics.histogram(
    "request_latency_seconds",
    "Time per pipeline step (phase = ingest, hook, body, guardrail, format)",
    ["phase"],
    [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  );
  startAtZero(stepLatency, { phase: ["ingest", "hook", "body", "guardrail", "format"] });
  const graph = buildPersonaGraph({
    llm: deps.llm,
    models: deps.models ?? createModelChoice(deps.config),
    moderator: deps.moderator ?? null,
    blocklist: deps.config.GUARDRAIL_BLOCKLIST,
    llmTimeoutMs: deps.config.LLM_TIMEOUT_MS,
    metrics: {
      stepLatency,
      tokens: deps.metrics.counter("llm_tokens_total", "Tokens (input plus output) used per model", ["model"], { openLabels: true }),
    },
  });
  const tracer = trace.getTracer("persona-runtime");

  const problem = { content: { "application/problem+json": { schema: Problem } } };
  app.post(
    "/v1/generate",
    {
      schema: {
        summary: "Run the persona graph for one task, streaming each node's progress and the result",
        body: GenerateRequest,
        response: {
          200: {
            description: "NDJSON: one GenerateFrame per line, ending with result, blocked or error",
            content: { "application/x-ndjson": { schema: z.string() } },
          },
          400: { description: "Invalid request (field-level errors)", ...problem },
          415: { description: "Not JSON", ...problem },
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const problems = semanticProblems(body);
      if (problems.length) throw new ValidationFailed(problems);

      // The client going away (worker cancelled, crashed, timed out) stops the model calls too.
      const controller = new AbortController();
      reply.raw.on("close", () => {
        if (!reply.raw.writableFinished) controller.abort(new Error("client disconnected"));
      });

      // Continue the caller's trace (the worker sends traceparent), one span for the whole generation:
      // under the HTTP server span when tracing instruments the server, else from the headers.
      const parent = trace.getSpan(otelContext.active())
        ? otelContext.active()
        : propagation.extract(otelContext.active(), request.headers);
      const span = tracer.startSpan(
        "persona.generate",
        { attributes: { "task.id": body.task_id, "persona.id": body.persona.id, "task.type": body.task_type } },
        parent,
      );
      const started = performance.now();
      const log = deps.logger.child({ req_id: request.id, task_id: body.task_id, persona_id: body.persona.id });

      const frames = generateFrames(graph, body, {
        signal: controller.signal,
        traceContext: trace.setSpan(parent, span),
        log,
        onDone: ({ outcome, error }) => {
          const ms = Math.round(performance.now() - started);
          span.setAttribute("persona.outcome", outcome);
          if (outcome === "error") {
            const frame = errorFrame(error);
            span.recordException(error instanceof Error ? error : new Error(frame.message));
            span.setAttributes({ "error.type": frame.code, "persona.retryable": frame.retryable });
            span.setStatus({ code: SpanStatusCode.ERROR, message: frame.message });
            // Model failures are described for people already; the stack only helps for our own bugs.
            if (frame.code === "internal") log.error({ err: error, ms }, "generation failed");
            else log.warn({ code: frame.code, retryable: frame.retryable, err_message: frame.message, ms }, "generation failed");
          } else if (outcome === "aborted") {
            span.addEvent("persona.aborted", { reason: "client disconnected" });
            log.info({ ms }, "client disconnected: generation aborted");
          } else if (outcome === "blocked") {
            span.addEvent("persona.blocked");
            log.info({ outcome, ms }, "generation finished");
          } else log.info({ outcome, ms }, "generation finished");
          span.end();
        },
      });

      reply
        .code(200)
        .header("content-type", "application/x-ndjson; charset=utf-8")
        .header("cache-control", "no-store")
        // Proxies (nginx ingress) must pass frames through as they come, not buffer the stream.
        .header("x-accel-buffering", "no");
      // A stream: Fastify pipes it as is (no serializer), so the 200 schema above only documents it.
      return reply.send(Readable.from(ndjsonChunks(frames), { objectMode: false }) as never);
    },
  );

  registerGuardrailRoute(app as unknown as FastifyInstance, {
    blocklist: deps.config.GUARDRAIL_BLOCKLIST,
    moderator: deps.moderator ?? null,
    timeoutMs: deps.config.LLM_TIMEOUT_MS,
  });

  return app as unknown as FastifyInstance;
}
