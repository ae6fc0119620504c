// The agent process: one variation of a run. Its only output is the JSON-lines protocol on
// stdout (see AgentEvent in @threads-agent/contracts); the exit code says how it went.
import { context, ROOT_CONTEXT, SpanStatusCode, trace } from "@opentelemetry/api";
import { AGENT_EXIT } from "@threads-agent/contracts";
import { createLlmRouter, createProviders } from "@threads-agent/llm";
import { extractTraceContext, startTracing, tracer } from "@threads-agent/observability/tracing";
import { runAgent } from "./agent.ts";
import { loadAgentConfig } from "./config.ts";
import { createEmitter } from "./emitter.ts";

const variation = Number.parseInt(process.env.VARIATION ?? "0", 10) || 0;
const emit = createEmitter({ variation, paceMs: Number.parseInt(process.env.AGENT_PACE_MS ?? "0", 10) || 0 });

// Spans only when the launcher hands an OTLP endpoint down; they continue the variation's span
// (TRACEPARENT from the launcher), so the agent's work shows under it in the run's trace.
const tracing = await startTracing({
  service: "agent",
  endpoint: process.env.OTEL_EXPORTER_OTLP_ENDPOINT,
  attributes: { "run.id": process.env.RUN_ID ?? "", "variation.index": variation },
});
const parent = extractTraceContext(
  Object.fromEntries(
    [
      ["traceparent", process.env.TRACEPARENT],
      ["tracestate", process.env.TRACESTATE],
      ["baggage", process.env.BAGGAGE],
    ].filter((e): e is [string, string] => typeof e[1] === "string"),
  ),
  ROOT_CONTEXT,
);
const span = tracer("agent").startSpan(
  "agent",
  { attributes: { "run.id": process.env.RUN_ID ?? "", "variation.index": variation } },
  parent,
);
/** Ends the span and sends it (bounded) before the process goes. */
const finish = async (exitCode: number, error?: { code: string; message: string }) => {
  span.setAttribute("process.exit.code", exitCode);
  if (error) {
    span.recordException({ name: error.code, message: error.message });
    span.setAttribute("error.type", error.code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  }
  span.end();
  await tracing.shutdown();
};
let failure: { code: string; message: string } | undefined;
const reportError = emit.error;
emit.error = (code, message) => {
  failure = { code, message };
  return reportError(code, message);
};

let config: ReturnType<typeof loadAgentConfig>;
try {
  config = loadAgentConfig();
} catch (err) {
  await emit.error("bad_config", (err as Error).message);
  await emit.flush();
  await finish(AGENT_EXIT.badInput, failure);
  process.exit(AGENT_EXIT.badInput);
}

const controller = new AbortController();
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    // Cancel or deadline: say so, then leave with the conventional 128+signal code.
    const code = signal === "SIGTERM" ? 143 : 130;
    span.addEvent("agent.terminated", { signal });
    void emit
      .error("terminated", `stopped by ${signal}`)
      .then(() => emit.flush())
      .then(() => finish(code, failure))
      .finally(() => process.exit(code));
    controller.abort();
  });
}

// Providers exist only for usable keys; without one the deterministic offline analysis runs.
const providers = createProviders({
  openai: { apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL },
  anthropic: { apiKey: config.ANTHROPIC_API_KEY, baseURL: config.ANTHROPIC_BASE_URL },
});
// The agent's steps (clone, analysis, the model call) run inside the variation's span.
const exitCode = await context.with(trace.setSpan(parent, span), () =>
  runAgent({
    config,
    emit,
    model: { client: createLlmRouter({ providers }), providers: new Set(Object.keys(providers)) },
    signal: controller.signal,
  }),
);
process.exitCode = exitCode;
await emit.flush();
await finish(exitCode, exitCode === AGENT_EXIT.ok ? undefined : failure);
