// One Job per variation, built as an object by a pure function (never by templating text), so
// every field can be checked by table tests and no user input can change the Job's shape.
import type { V1EnvVar, V1Job } from "@kubernetes/client-node";
import { AgentModelName, Uuid } from "@threads-agent/contracts";
import { traceEnv, type VariationSpec } from "../backend.ts";

export type JobSettings = {
  namespace: string;
  /** `app.kubernetes.io/instance` (AGENT_INSTANCE): which launcher's Jobs these are. */
  instance: string;
  image: string;
  imagePullPolicy: "Always" | "IfNotPresent" | "Never";
  /** Secret names for pulling the image; empty: none. */
  imagePullSecrets: readonly string[];
  resources: { cpuRequest: string; cpuLimit: string; memoryRequest: string; memoryLimit: string };
  activeDeadlineSeconds: number;
  ttlSecondsAfterFinished: number;
  /** Secret holding OPENAI_API_KEY / ANTHROPIC_API_KEY; null: the agents run offline. */
  apiKeySecret: string | null;
  repoHostAllowlist: readonly string[];
  /** Model API roots (a proxy or gateway); null: the providers' own. */
  openaiBaseUrl: string | null;
  anthropicBaseUrl: string | null;
  clone: { timeoutSeconds: number; maxMb: number };
  /** OTLP/HTTP endpoint the agents export their spans to (the launcher's own); null or unset: agents do not trace. */
  otlpEndpoint?: string | null;
  /** Size limits of the /workspace and /tmp emptyDirs (the checkout and what checks write); unset: 2Gi and 256Mi. */
  scratch?: { workspace: string; tmp: string };
  /** Verification settings handed to every agent (unset: the agent's defaults). */
  verification?: { enabled: boolean; checkTimeoutSeconds: number; checkCommand?: string | null };
  /** Ship Jobs: the Secret with SHIP_TOKEN / SHIP_SSH_KEY (null: pushes carry no credential) and the commit author. */
  ship?: { secret: string | null; username: string; authorName: string; authorEmail: string };
};

export const LABELS = {
  name: "app.kubernetes.io/name",
  component: "app.kubernetes.io/component",
  partOf: "app.kubernetes.io/part-of",
  managedBy: "app.kubernetes.io/managed-by",
  instance: "app.kubernetes.io/instance",
  runId: "threads-agent.dev/run-id",
  variation: "threads-agent.dev/variation",
  /** On ship Jobs only: the ship's id (a variation's pod never has it). */
  ship: "threads-agent.dev/ship-id",
} as const;

/**
 * Labels every agent Job and pod of one launcher instance carries; the chart's agent NetworkPolicy
 * selects exactly these (instance = the release name).
 */
export function agentLabels(instance: string): Record<string, string> {
  return {
    [LABELS.name]: "threads-agent",
    [LABELS.component]: "agent",
    [LABELS.partOf]: "threads-agent",
    [LABELS.managedBy]: "agent-launcher",
    [LABELS.instance]: instance,
  };
}

/** Selects every Job/pod this launcher instance manages (watches, resume after restart), not another release's. */
export const managedSelector = (instance: string) =>
  `${LABELS.managedBy}=agent-launcher,${LABELS.component}=agent,${LABELS.instance}=${instance}`;
export const runSelector = (instance: string, runId: string) => `${managedSelector(instance)},${LABELS.runId}=${runId}`;

export const CONTAINER = "agent";
/** The agent image's non-root user (the `node` user of node images). */
const AGENT_UID = 1000;

/**
 * `agent-<run uuid>-<index>`: 45 characters at most, a valid DNS-1123 label, and derivable on
 * resume; a ship Job is `ship-<ship uuid>` (one per push, so a retry under another branch never
 * meets the Job of an earlier push).
 */
export function jobName(runId: string, index: number, ship?: string): string {
  return ship ? `ship-${Uuid.parse(ship)}` : `agent-${Uuid.parse(runId)}-${index}`;
}

/**
 * Kubernetes expands `$(VAR)` in env values from variables defined earlier in the list, so a
 * prompt containing `$(OPENAI_API_KEY)` could read a key. `$$` is the escape for a literal `$`.
 */
export function literalEnv(value: string): string {
  return value.replaceAll("$", "$$$$");
}

function secretEnv(secret: string, key: string): V1EnvVar {
  return { name: key, valueFrom: { secretKeyRef: { name: secret, key, optional: true } } };
}

export function buildAgentJob(spec: VariationSpec, settings: JobSettings): V1Job {
  if (!Number.isInteger(spec.index) || spec.index < 0 || spec.index > 999) throw new Error(`invalid variation index ${spec.index}`);
  if (spec.model !== null) AgentModelName.parse(spec.model);
  if (spec.temperature !== null && !(Number.isFinite(spec.temperature) && spec.temperature >= 0 && spec.temperature <= 2)) {
    throw new Error(`invalid temperature ${spec.temperature}`);
  }
  const name = jobName(spec.runId, spec.index, spec.ship?.id);
  const labels = {
    ...agentLabels(settings.instance),
    [LABELS.runId]: spec.runId,
    [LABELS.variation]: String(spec.index),
    ...(spec.ship ? { [LABELS.ship]: spec.ship.id } : {}),
  };
  const ship = spec.ship;
  const checkCommand = ship ? null : (spec.checkCommand ?? settings.verification?.checkCommand ?? null);

  // User input only ever lands in env values (escaped). Keys come last, by reference only.
  const env: V1EnvVar[] = [
    { name: "RUN_ID", value: spec.runId },
    { name: "VARIATION", value: String(spec.index) },
    { name: "REPO_URL", value: literalEnv(spec.repoUrl) },
    { name: "AGENT_PROMPT", value: literalEnv(spec.prompt) },
    ...(spec.model ? [{ name: "AGENT_MODEL", value: literalEnv(spec.model) }] : []),
    ...(spec.temperature !== null ? [{ name: "AGENT_TEMPERATURE", value: String(spec.temperature) }] : []),
    { name: "AGENT_WORKDIR", value: "/workspace" },
    ...(settings.verification
      ? [
          { name: "AGENT_VERIFY", value: String(settings.verification.enabled) },
          { name: "AGENT_CHECK_TIMEOUT_SECONDS", value: String(settings.verification.checkTimeoutSeconds) },
        ]
      : []),
    // The run's own check command, else the deployment's; unset: detected from the repository.
    ...(checkCommand ? [{ name: "AGENT_CHECK_COMMAND", value: literalEnv(checkCommand) }] : []),
    { name: "REPO_HOST_ALLOWLIST", value: literalEnv(settings.repoHostAllowlist.join(",")) },
    { name: "ALLOW_FILE_REPOS", value: "false" },
    { name: "AGENT_CLONE_TIMEOUT_SECONDS", value: String(settings.clone.timeoutSeconds) },
    { name: "AGENT_CLONE_MAX_MB", value: String(settings.clone.maxMb) },
    ...(settings.openaiBaseUrl ? [{ name: "OPENAI_BASE_URL", value: literalEnv(settings.openaiBaseUrl) }] : []),
    ...(settings.anthropicBaseUrl ? [{ name: "ANTHROPIC_BASE_URL", value: literalEnv(settings.anthropicBaseUrl) }] : []),
    ...(settings.otlpEndpoint ? [{ name: "OTEL_EXPORTER_OTLP_ENDPOINT", value: literalEnv(settings.otlpEndpoint) }] : []),
    // The variation's span: the agent's spans join the run's trace.
    ...Object.entries(traceEnv(spec.trace)).map(([name, value]) => ({ name, value: literalEnv(value) })),
    // git and node write caches under HOME; the root filesystem is read-only.
    { name: "HOME", value: "/tmp" },
    // A ship Job pushes and needs no model; a variation never gets the push credential.
    ...(ship
      ? [
          { name: "AGENT_MODE", value: "ship" },
          { name: "SHIP_BRANCH", value: literalEnv(ship.branch) },
          { name: "SHIP_PATCH", value: literalEnv(ship.patch) },
          { name: "SHIP_USERNAME", value: literalEnv(settings.ship?.username ?? "x-access-token") },
          { name: "SHIP_AUTHOR_NAME", value: literalEnv(settings.ship?.authorName ?? "threads-agent") },
          { name: "SHIP_AUTHOR_EMAIL", value: literalEnv(settings.ship?.authorEmail ?? "agent@threads-agent.invalid") },
          ...(settings.ship?.secret
            ? [secretEnv(settings.ship.secret, "SHIP_TOKEN"), secretEnv(settings.ship.secret, "SHIP_SSH_KEY")]
            : []),
        ]
      : settings.apiKeySecret
        ? [secretEnv(settings.apiKeySecret, "OPENAI_API_KEY"), secretEnv(settings.apiKeySecret, "ANTHROPIC_API_KEY")]
        : []),
  ];

  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name, namespace: settings.namespace, labels },
    spec: {
      // A variation is one attempt: a retry would print a second, different output under the same seq numbers.
      backoffLimit: 0,
      activeDeadlineSeconds: settings.activeDeadlineSeconds,
      ttlSecondsAfterFinished: settings.ttlSecondsAfterFinished,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          automountServiceAccountToken: false,
          // No service discovery variables: the agent has no business with in-cluster services.
          enableServiceLinks: false,
          ...(settings.imagePullSecrets.length ? { imagePullSecrets: settings.imagePullSecrets.map((name) => ({ name })) } : {}),
          securityContext: {
            runAsNonRoot: true,
            runAsUser: AGENT_UID,
            runAsGroup: AGENT_UID,
            fsGroup: AGENT_UID,
            seccompProfile: { type: "RuntimeDefault" },
          },
          containers: [
            {
              name: CONTAINER,
              image: settings.image,
              imagePullPolicy: settings.imagePullPolicy,
              env,
              resources: {
                requests: { cpu: settings.resources.cpuRequest, memory: settings.resources.memoryRequest },
                limits: { cpu: settings.resources.cpuLimit, memory: settings.resources.memoryLimit },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                privileged: false,
                capabilities: { drop: ["ALL"] },
                seccompProfile: { type: "RuntimeDefault" },
              },
              volumeMounts: [
                { name: "workspace", mountPath: "/workspace" },
                { name: "tmp", mountPath: "/tmp" },
              ],
              terminationMessagePolicy: "FallbackToLogsOnError",
            },
          ],
          volumes: [
            // Bounded scratch space: the clone is capped by the agent, this caps everything else.
            { name: "workspace", emptyDir: { sizeLimit: settings.scratch?.workspace ?? "2Gi" } },
            { name: "tmp", emptyDir: { sizeLimit: settings.scratch?.tmp ?? "256Mi" } },
          ],
        },
      },
    },
  };
}
