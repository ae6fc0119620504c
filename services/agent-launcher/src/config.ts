import path from "node:path";
import { env, loadConfig } from "@threads-agent/config";
import { DEFAULT_REPO_HOSTS, RunMaxVariationsSetting } from "@threads-agent/contracts";
import { z } from "zod";
import { parseQuantity } from "./backends/kubernetes/quantity.ts";

const quantity = (fallback: string, what: "cpu" | "memory") =>
  z
    .string()
    .default(fallback)
    .refine(
      (v) => parseQuantity(v) !== null,
      `expected a Kubernetes ${what} quantity such as ${what === "cpu" ? "250m or 1" : "256Mi or 1Gi"}`,
    );

/** DNS-1123 names (namespaces, Secrets). */
const kubeName = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, "a Kubernetes name: lowercase letters, digits, '-' and '.'");

/**
 * The local agent program, by path (the launcher runs it; it does not import it): in a checkout
 * and in the images, services/agent sits next to services/agent-launcher.
 */
export const DEFAULT_AGENT_COMMAND = [process.execPath, path.resolve(import.meta.dirname, "../../agent/src/main.ts")];

/** A command line: a JSON array of words, or words separated by spaces. */
const commandLine = z.string().transform((value, ctx) => {
  const text = value.trim();
  if (text.startsWith("[")) {
    try {
      const words = JSON.parse(text) as unknown;
      if (Array.isArray(words) && words.length > 0 && words.every((w) => typeof w === "string" && w.length > 0)) return words as string[];
    } catch {
      // reported below
    }
    ctx.addIssue({ code: "custom", message: 'expected a JSON array of non-empty strings, e.g. ["node","agent/main.js"]' });
    return z.NEVER;
  }
  const words = text.split(/\s+/).filter(Boolean);
  if (words.length === 0) {
    ctx.addIssue({ code: "custom", message: "must name a program" });
    return z.NEVER;
  }
  return words;
});

/** A label value (`app.kubernetes.io/instance`): at most 63 characters, alphanumeric at both ends. */
const labelValue = z
  .string()
  .max(63)
  .regex(/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/, "a Kubernetes label value: letters, digits, '-', '_' and '.', at most 63");

export const configSchema = z
  .object({
    ...env.common,
    /** Interface for the ops server (/health, /ready, /metrics). */
    HOST: z.string().default("0.0.0.0"),
    /** Port of the ops server; the launcher has no other HTTP API. */
    METRICS_PORT: env.port(9101),
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    /** Where variations run: `local` child processes (development, embedded stack) or `kubernetes` Jobs. */
    AGENT_BACKEND: z.enum(["local", "kubernetes"], { message: "expected local or kubernetes" }).default("local"),
    /** Namespace of the agent Jobs; unset: the launcher pod's own namespace (or the kubeconfig context's). */
    AGENT_NAMESPACE: kubeName.max(63).optional(),
    /**
     * `app.kubernetes.io/instance` of every agent Job and pod, and part of every label selector the
     * launcher uses (watches, cancel, resume): two releases sharing a namespace see only their own
     * Jobs. The chart sets the release name.
     */
    AGENT_INSTANCE: labelValue.default("threads-agent"),
    /** The agent program the local backend runs, as a command line (JSON array or words); unset: `node services/agent/src/main.ts` next to this service. */
    AGENT_COMMAND: commandLine.optional(),
    /** Image of the agent program (kubernetes backend). */
    AGENT_IMAGE: z.string().min(1).default("threads-agent/agent:dev"),
    /** Pull policy of the agent image. */
    AGENT_IMAGE_PULL_POLICY: z.enum(["Always", "IfNotPresent", "Never"]).default("IfNotPresent"),
    /** Secrets (comma list of names) for pulling the agent image: the Jobs' imagePullSecrets. */
    AGENT_IMAGE_PULL_SECRETS: env.list([]).pipe(z.array(kubeName)),
    /** Resources of each agent container. */
    AGENT_CPU_REQUEST: quantity("250m", "cpu"),
    AGENT_CPU_LIMIT: quantity("1", "cpu"),
    AGENT_MEMORY_REQUEST: quantity("256Mi", "memory"),
    AGENT_MEMORY_LIMIT: quantity("1Gi", "memory"),
    /**
     * Scratch space of each agent Job: the checkout and everything the repository's checks write
     * there (/workspace), and HOME/TMPDIR (/tmp: caches of npm, go, cargo, pip). Size-limited emptyDirs.
     */
    AGENT_WORKSPACE_SIZE: quantity("2Gi", "memory"),
    AGENT_TMP_SIZE: quantity("256Mi", "memory"),
    /** A variation is stopped and failed after this long (Job activeDeadlineSeconds; a timer for local processes). */
    AGENT_ACTIVE_DEADLINE_SECONDS: env.positiveInt(900),
    /** Finished Jobs are deleted after this long; their output stays in the database. */
    AGENT_TTL_SECONDS_AFTER_FINISHED: env.nonNegativeInt(3600),
    /** Secret with OPENAI_API_KEY / ANTHROPIC_API_KEY for agent pods (by reference only); unset: agents run offline. */
    AGENT_API_KEY_SECRET: kubeName.optional(),
    /** Provider keys handed to local agent processes (the local backend's stand-in for the Secret). */
    OPENAI_API_KEY: z.string().optional(),
    ANTHROPIC_API_KEY: z.string().optional(),
    /** Model API roots handed to the agents (a proxy or gateway; plain env, not secrets); unset: the providers' own. */
    OPENAI_BASE_URL: env.url().optional(),
    ANTHROPIC_BASE_URL: env.url().optional(),
    /** Clone limits handed to every agent (the agent's own defaults): git clone time and repository size. */
    AGENT_CLONE_TIMEOUT_SECONDS: env.positiveInt(120),
    AGENT_CLONE_MAX_MB: env.positiveInt(200),
    /** Whether agents verify their change with the repository's own checks (baseline and patched); handed to every agent. */
    AGENT_VERIFY: env.flag(true),
    /** The check every agent runs instead of the detected ones (`sh -c`, e.g. `make ci`); unset: detected per repository. */
    AGENT_CHECK_COMMAND: z.string().min(1).max(2000, "at most 2000 characters").optional(),
    /** Each verification check is killed after this long; handed to every agent. */
    AGENT_CHECK_TIMEOUT_SECONDS: env.positiveInt(300),
    /**
     * Push credential for shipping a run's winner as a branch, handed to local ship processes only
     * (never to variations, never stored): an https token (SHIP_TOKEN, sent as SHIP_USERNAME) or an
     * ssh private key (SHIP_SSH_KEY). Kubernetes: AGENT_SHIP_SECRET instead.
     */
    SHIP_TOKEN: z.string().min(1).optional(),
    SHIP_USERNAME: z.string().min(1).default("x-access-token"),
    SHIP_SSH_KEY: z.string().min(1).optional(),
    /** Secret with SHIP_TOKEN and/or SHIP_SSH_KEY for ship Jobs (by reference only; variations never get it). */
    AGENT_SHIP_SECRET: kubeName.optional(),
    /** Author and committer of a shipped commit. */
    SHIP_AUTHOR_NAME: z.string().min(1).max(200).default("threads-agent"),
    SHIP_AUTHOR_EMAIL: z.email({ message: "expected an email address" }).default("agent@threads-agent.invalid"),
    /** Pushes this launcher runs at once. */
    SHIP_CONCURRENCY: env.positiveInt(2),
    /** Delay between the output lines of local agents, so a demo can be watched; 0 in production. */
    AGENT_PACE_MS: env.nonNegativeInt(0),
    /** Most variations one run may have; the orchestrator enforces it too. */
    RUN_MAX_VARIATIONS: RunMaxVariationsSetting,
    /** Runs this launcher drives at once (each waits on its workloads, so this can be generous). */
    RUN_CONCURRENCY: env.positiveInt(20),
    /** Hosts repositories may come from (`*.example.com` for subdomains, `*` for any public host). */
    REPO_HOST_ALLOWLIST: env.list(DEFAULT_REPO_HOSTS),
    /** Directories file:// repositories may be under, as for the orchestrator: tests and local development only (the local backend). */
    ALLOW_FILE_REPOS: env.fileRepoRoots(),
    /** How long a finished run's event stream is kept. */
    EVENT_RETENTION_SECONDS: env.positiveInt(7 * 24 * 3600),
  })
  .superRefine((c, ctx) => {
    const over = (request: string, limit: string) => (parseQuantity(request) ?? 0) > (parseQuantity(limit) ?? Number.POSITIVE_INFINITY);
    if (over(c.AGENT_CPU_REQUEST, c.AGENT_CPU_LIMIT)) {
      ctx.addIssue({
        code: "custom",
        path: ["AGENT_CPU_REQUEST"],
        message: `${c.AGENT_CPU_REQUEST} is above AGENT_CPU_LIMIT ${c.AGENT_CPU_LIMIT}`,
      });
    }
    if (over(c.AGENT_MEMORY_REQUEST, c.AGENT_MEMORY_LIMIT)) {
      ctx.addIssue({
        code: "custom",
        path: ["AGENT_MEMORY_REQUEST"],
        message: `${c.AGENT_MEMORY_REQUEST} is above AGENT_MEMORY_LIMIT ${c.AGENT_MEMORY_LIMIT}`,
      });
    }
    if (c.SHIP_TOKEN && c.SHIP_SSH_KEY) {
      ctx.addIssue({ code: "custom", path: ["SHIP_TOKEN"], message: "set SHIP_TOKEN (https) or SHIP_SSH_KEY (ssh), not both" });
    }
    if (c.AGENT_BACKEND === "kubernetes" && c.ALLOW_FILE_REPOS.length > 0) {
      // A path on the launcher's machine means nothing inside a Job's pod, and must never reach one.
      ctx.addIssue({ code: "custom", path: ["ALLOW_FILE_REPOS"], message: "file:// repositories work only with AGENT_BACKEND=local" });
    }
  });

export type LauncherConfig = z.output<typeof configSchema>;

export function loadServiceConfig(source: Record<string, string | undefined> = process.env): LauncherConfig {
  return loadConfig("agent-launcher", configSchema, source);
}
