// The agent process: one variation of a run (AGENT_MODE=propose, the default), or shipping a
// chosen variation's patch as a new branch (AGENT_MODE=ship). Its only output is the JSON-lines
// protocol on stdout (see AgentEvent in @threads-agent/contracts); the exit code says how it went.
import { context, ROOT_CONTEXT, SpanStatusCode, trace } from "@opentelemetry/api";
import { AGENT_EXIT } from "@threads-agent/contracts";
import { createLlmRouter, createProviders } from "@threads-agent/llm";
import { extractTraceContext, startTracing, tracer } from "@threads-agent/observability/tracing";
import { runAgent } from "./agent.ts";
import { type AgentConfig, loadAgentConfig } from "./config.ts";
import { createEmitter } from "./emitter.ts";
import { runShip } from "./ship/ship.ts";
import { loadShipConfig, type ShipConfig } from "./ship/ship-config.ts";

const variation = Number.parseInt(process.env.VARIATION ?? "0", 10) || 0;
const emit = createEmitter({ variation, paceMs: Number.parseInt(process.env.AGENT_PACE_MS ?? "0", 10) || 0 });
const mode = process.env.AGENT_MODE?.trim() || "propose";

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

async function exitWith(code: string, message: string, exitCode: number): Promise<never> {
  await emit.error(code, message);
  await emit.flush();
  await finish(exitCode, failure);
  process.exit(exitCode);
}

if (mode !== "propose" && mode !== "ship")
  await exitWith("bad_config", `AGENT_MODE: expected propose or ship, got ${JSON.stringify(mode)}`, AGENT_EXIT.badInput);

let config: AgentConfig | ShipConfig;
try {
  config = mode === "ship" ? loadShipConfig() : loadAgentConfig();
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

// The agent's steps (clone, analysis, the model call, the checks) run inside the variation's span.
const exitCode = await context.with(trace.setSpan(parent, span), async () => {
  if (mode === "ship") return runShip({ config: config as ShipConfig, emit });
  const agentConfig = config as AgentConfig;
  // Providers exist only for usable keys; without one the deterministic offline analysis runs.
  const providers = createProviders({
    openai: { apiKey: agentConfig.OPENAI_API_KEY, baseURL: agentConfig.OPENAI_BASE_URL },
    anthropic: { apiKey: agentConfig.ANTHROPIC_API_KEY, baseURL: agentConfig.ANTHROPIC_BASE_URL },
  });
  return runAgent({
    config: agentConfig,
    emit,
    model: { client: createLlmRouter({ providers }), providers: new Set(Object.keys(providers)) },
    signal: controller.signal,
  });
});
process.exitCode = exitCode;
await emit.flush();
await finish(exitCode, exitCode === AGENT_EXIT.ok ? undefined : failure);
