export { type AppDeps, buildApp } from "./app.ts";
export { type Config, configSchema, DEFAULT_GUARDRAIL_BLOCKLIST, loadServiceConfig } from "./config.ts";
export { createModelChoice, type ModelChoice, type StepModel } from "./model-choice.ts";
export { formatPost, HOOK_MAX_CHARS } from "./post-format.ts";
export { fillTemplate, systemPromptFor, TEMPERAMENT_VOICES } from "./prompts.ts";
