// The agent process: one variation of a run. Its only output is the JSON-lines protocol on
// stdout (see AgentEvent in @threads-agent/contracts); the exit code says how it went.
import { AGENT_EXIT } from "@threads-agent/contracts";
import { createLlmRouter, createProviders } from "@threads-agent/llm";
import { runAgent } from "./agent.ts";
import { loadAgentConfig } from "./config.ts";
import { createEmitter } from "./emitter.ts";

const variation = Number.parseInt(process.env.VARIATION ?? "0", 10) || 0;
const emit = createEmitter({ variation, paceMs: Number.parseInt(process.env.AGENT_PACE_MS ?? "0", 10) || 0 });

let config: ReturnType<typeof loadAgentConfig>;
try {
  config = loadAgentConfig();
} catch (err) {
  await emit.error("bad_config", (err as Error).message);
  await emit.flush();
  process.exit(AGENT_EXIT.badInput);
}

const controller = new AbortController();
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.once(signal, () => {
    // Cancel or deadline: say so, then leave with the conventional 128+signal code.
    void emit
      .error("terminated", `stopped by ${signal}`)
      .then(() => emit.flush())
      .finally(() => process.exit(signal === "SIGTERM" ? 143 : 130));
    controller.abort();
  });
}

// Providers exist only for usable keys; without one the deterministic offline analysis runs.
const providers = createProviders({
  openai: { apiKey: config.OPENAI_API_KEY, baseURL: config.OPENAI_BASE_URL },
  anthropic: { apiKey: config.ANTHROPIC_API_KEY, baseURL: config.ANTHROPIC_BASE_URL },
});
process.exitCode = await runAgent({
  config,
  emit,
  model: { client: createLlmRouter({ providers }), providers: new Set(Object.keys(providers)) },
  signal: controller.signal,
});
