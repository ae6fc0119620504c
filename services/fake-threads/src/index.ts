export { type AppDeps, buildApp } from "./app.ts";
export { type Config, configSchema, DEV_ACCESS_TOKEN, loadServiceConfig } from "./config.ts";
export { baseRate, engagementRate, followersCount, mediaMetrics, postRate, styleLift } from "./engagement.ts";
export { FAULT_ENDPOINTS, type FaultEndpoint } from "./faults.ts";
export { GRAPH_VERSION } from "./graph-routes.ts";
