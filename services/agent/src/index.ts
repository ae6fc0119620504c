import { fileURLToPath } from "node:url";

export { type AgentDeps, runAgent } from "./agent.ts";
export { configSchema } from "./config.ts";
export { createEmitter, type Emitter } from "./emitter.ts";

/** The agent program's entry point, for the launcher's local backend (`node <AGENT_MAIN>`). */
export const AGENT_MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));
export { BREAK_PATCH, FIX_PATCH, GREET_PROMPT, GREET_VARIATIONS, greetVariationsReply, scriptedWorker } from "./scripted-variations.ts";
