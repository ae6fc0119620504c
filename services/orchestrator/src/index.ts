export { type AppOptions, buildApp } from "./app.ts";
export { type Config, configSchema, loadServiceConfig } from "./config.ts";
export { createDeps, type OrchestratorDeps } from "./deps.ts";
export { createReconciler, type Reconciler } from "./reconciler/reconciler.ts";
