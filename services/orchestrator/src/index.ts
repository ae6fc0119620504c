export { type AppDeps, buildApp } from "./app.ts";
export { type Config, configSchema, loadServiceConfig } from "./config.ts";
export { createSweeper, type Sweeper } from "./tasks/sweeper.ts";
