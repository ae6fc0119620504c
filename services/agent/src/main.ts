// The agent process: one variation of a run (AGENT_MODE=propose, the default), or shipping a
// chosen variation's patch as a new branch (AGENT_MODE=ship). Its only output is the JSON-lines
// protocol on stdout (see AgentEvent in @threads-agent/contracts); the exit code says how it went.
import { AGENT_EXIT } from "@threads-agent/contracts";
import { createLlmRouter, createProviders } from "@threads-agent/llm";
import { runAgent } from "./agent.ts";
import { type AgentConfig, loadAgentConfig } from "./config.ts";
import { createEmitter } from "./emitter.ts";
import { runShip } from "./ship/ship.ts";
import { loadShipConfig, type ShipConfig } from "./ship/ship-config.ts";

const variation = Number.parseInt(process.env.VARIATION ?? "0", 10) || 0;
const emit = createEmitter({ variation, paceMs: Number.parseInt(process.env.AGENT_PACE_MS ?? "0", 10) || 0 });
const mode = process.env.AGENT_MODE?.trim() || "propose";

async function exitWith(code: string, message: string, exitCode: number): Promise<never> {
  await emit.error(code, message);
  await emit.flush();
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

if (mode === "ship") {
  process.exitCode = await runShip({ config: config as ShipConfig, emit });
} else {
  const agentConfig = config as AgentConfig;
  // Providers exist only for usable keys; without one the deterministic offline analysis runs.
  const providers = createProviders({
    openai: { apiKey: agentConfig.OPENAI_API_KEY, baseURL: agentConfig.OPENAI_BASE_URL },
    anthropic: { apiKey: agentConfig.ANTHROPIC_API_KEY, baseURL: agentConfig.ANTHROPIC_BASE_URL },
  });
  process.exitCode = await runAgent({
    config: agentConfig,
    emit,
    model: { client: createLlmRouter({ providers }), providers: new Set(Object.keys(providers)) },
    signal: controller.signal,
  });
}
await emit.flush();
