export { type AgentBackend, LaunchRefused, type VariationOutcome, type VariationSpec } from "./backends/backend.ts";
export { buildAgentJob, type JobSettings, jobName } from "./backends/kubernetes/job-spec.ts";
export { KubernetesBackend } from "./backends/kubernetes/kubernetes-backend.ts";
export { LocalBackend } from "./backends/local/local-backend.ts";
export { configSchema } from "./config.ts";
export { type AgentLauncherDeps, createDeps } from "./deps.ts";
export { createLauncher, type Launcher } from "./launcher.ts";
export { createLauncherMetrics } from "./metrics.ts";
