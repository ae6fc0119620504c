export { type AppDeps, buildApp } from "./app.ts";
export { type Config, configSchema, loadServiceConfig } from "./config.ts";
export { insightsFor } from "./engagement.ts";
