import { tmpdir } from "node:os";
import path from "node:path";
import type { Logger } from "@threads-agent/observability";
import { DEFAULT_AGENT_COMMAND, type LauncherConfig } from "../config.ts";
import type { LauncherMetrics } from "../metrics.ts";
import type { AgentBackend } from "./backend.ts";
import type { JobSettings } from "./kubernetes/job-spec.ts";
import { agentNamespace, createKubeConfig } from "./kubernetes/kube-config.ts";
import { KubernetesBackend } from "./kubernetes/kubernetes-backend.ts";
import { LocalBackend } from "./local/local-backend.ts";

/** Builds the configured backend; the Kubernetes client is created here, once, and passed in. */
export function createBackend(input: {
  config: LauncherConfig;
  env: Record<string, string | undefined>;
  logger: Logger;
  metrics: LauncherMetrics;
}): AgentBackend {
  const { config, logger, metrics } = input;
  if (config.AGENT_BACKEND === "local") {
    return new LocalBackend({
      command: () => [...(config.AGENT_COMMAND ?? DEFAULT_AGENT_COMMAND)],
      env: {
        PATH: input.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
        LANG: "C.UTF-8",
        HOME: tmpdir(),
        REPO_HOST_ALLOWLIST: config.REPO_HOST_ALLOWLIST.join(","),
        ALLOW_FILE_REPOS: config.ALLOW_FILE_REPOS.join(",") || "false",
        AGENT_PACE_MS: String(config.AGENT_PACE_MS),
        ...(config.OPENAI_API_KEY ? { OPENAI_API_KEY: config.OPENAI_API_KEY } : {}),
        ...(config.ANTHROPIC_API_KEY ? { ANTHROPIC_API_KEY: config.ANTHROPIC_API_KEY } : {}),
        ...(config.OPENAI_BASE_URL ? { OPENAI_BASE_URL: config.OPENAI_BASE_URL } : {}),
        ...(config.ANTHROPIC_BASE_URL ? { ANTHROPIC_BASE_URL: config.ANTHROPIC_BASE_URL } : {}),
        AGENT_CLONE_TIMEOUT_SECONDS: String(config.AGENT_CLONE_TIMEOUT_SECONDS),
        AGENT_CLONE_MAX_MB: String(config.AGENT_CLONE_MAX_MB),
        AGENT_VERIFY: String(config.AGENT_VERIFY),
        AGENT_CHECK_TIMEOUT_SECONDS: String(config.AGENT_CHECK_TIMEOUT_SECONDS),
        ...(config.AGENT_CHECK_COMMAND ? { AGENT_CHECK_COMMAND: config.AGENT_CHECK_COMMAND } : {}),
        // Agents trace into the launcher's collector (their spans join each variation's span).
        ...(config.OTEL_EXPORTER_OTLP_ENDPOINT ? { OTEL_EXPORTER_OTLP_ENDPOINT: config.OTEL_EXPORTER_OTLP_ENDPOINT } : {}),
        ...(input.env.OTEL_BSP_SCHEDULE_DELAY ? { OTEL_BSP_SCHEDULE_DELAY: input.env.OTEL_BSP_SCHEDULE_DELAY } : {}),
      },
      shipEnv: shipEnv(config),
      workRoot: path.join(tmpdir(), "threads-agent-runs"),
      activeDeadlineSeconds: config.AGENT_ACTIVE_DEADLINE_SECONDS,
      logger,
    });
  }
  const kubeConfig = createKubeConfig(input.env);
  return new KubernetesBackend({
    kubeConfig,
    logger,
    settings: jobSettings(config, agentNamespace(config.AGENT_NAMESPACE, kubeConfig)),
    onWatchRestart: (resource, reason) => metrics.watchRestarts.inc({ resource, reason }),
    onLogResume: () => metrics.logResumes.inc(),
  });
}

/** What a local ship process gets besides the common environment: the commit author and the push credential. */
export function shipEnv(config: LauncherConfig): Record<string, string> {
  return {
    SHIP_AUTHOR_NAME: config.SHIP_AUTHOR_NAME,
    SHIP_AUTHOR_EMAIL: config.SHIP_AUTHOR_EMAIL,
    SHIP_USERNAME: config.SHIP_USERNAME,
    ...(config.SHIP_TOKEN ? { SHIP_TOKEN: config.SHIP_TOKEN } : {}),
    ...(config.SHIP_SSH_KEY ? { SHIP_SSH_KEY: config.SHIP_SSH_KEY } : {}),
  };
}

/** The Job builder's settings from the launcher's config (also what tests/delivery checks the chart against). */
export function jobSettings(config: LauncherConfig, namespace: string): JobSettings {
  return {
    namespace,
    instance: config.AGENT_INSTANCE,
    image: config.AGENT_IMAGE,
    imagePullPolicy: config.AGENT_IMAGE_PULL_POLICY,
    imagePullSecrets: config.AGENT_IMAGE_PULL_SECRETS,
    resources: {
      cpuRequest: config.AGENT_CPU_REQUEST,
      cpuLimit: config.AGENT_CPU_LIMIT,
      memoryRequest: config.AGENT_MEMORY_REQUEST,
      memoryLimit: config.AGENT_MEMORY_LIMIT,
    },
    activeDeadlineSeconds: config.AGENT_ACTIVE_DEADLINE_SECONDS,
    ttlSecondsAfterFinished: config.AGENT_TTL_SECONDS_AFTER_FINISHED,
    apiKeySecret: config.AGENT_API_KEY_SECRET ?? null,
    repoHostAllowlist: config.REPO_HOST_ALLOWLIST,
    openaiBaseUrl: config.OPENAI_BASE_URL ?? null,
    anthropicBaseUrl: config.ANTHROPIC_BASE_URL ?? null,
    clone: { timeoutSeconds: config.AGENT_CLONE_TIMEOUT_SECONDS, maxMb: config.AGENT_CLONE_MAX_MB },
    otlpEndpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT ?? null,
    verification: {
      enabled: config.AGENT_VERIFY,
      checkTimeoutSeconds: config.AGENT_CHECK_TIMEOUT_SECONDS,
      checkCommand: config.AGENT_CHECK_COMMAND ?? null,
    },
    scratch: { workspace: config.AGENT_WORKSPACE_SIZE, tmp: config.AGENT_TMP_SIZE },
    ship: {
      secret: config.AGENT_SHIP_SECRET ?? null,
      username: config.SHIP_USERNAME,
      authorName: config.SHIP_AUTHOR_NAME,
      authorEmail: config.SHIP_AUTHOR_EMAIL,
    },
  };
}
