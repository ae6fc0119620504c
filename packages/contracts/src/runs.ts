// Agent runs: a prompt plus a git repository run as N parallel variations. One module holds the
// API bodies, the queue payload, the run events, the agent's stdout protocol and the repo_url
// policy, because the orchestrator, the agent-launcher and the agent must agree on all of them.
import { BlockList, isIP } from "node:net";
import { z } from "zod";
import { CheckResult, VerificationPhase, VerificationSummary } from "./agent-verification.ts";
import { Timestamp, Uuid } from "./ids.ts";
import { LlmCallRecord } from "./persona-runtime.ts";
import { Usage } from "./tasks.ts";

/** Default cap on variations per run; deployments change it with RUN_MAX_VARIATIONS. */
export const RUN_MAX_VARIATIONS_DEFAULT = 10;
/** Never more than this, whatever the configuration says: each variation is a pod. */
export const RUN_MAX_VARIATIONS_LIMIT = 50;
/** RUN_MAX_VARIATIONS as the orchestrator and the agent-launcher both read it (they enforce the same cap). */
export const RunMaxVariationsSetting = z.coerce
  .number()
  .int()
  .min(1, "at least 1")
  .max(RUN_MAX_VARIATIONS_LIMIT, `at most ${RUN_MAX_VARIATIONS_LIMIT}`)
  .default(RUN_MAX_VARIATIONS_DEFAULT);
export const RUN_PROMPT_MAX_CHARS = 8000;
export const REPO_URL_MAX_CHARS = 2048;
/**
 * Approximate cap (XADD MAXLEN ~) on a run's event stream, for every writer of it: an append with
 * a smaller cap would trim the lines other writers put there. The database keeps every line.
 */
export const RUN_EVENT_STREAM_MAXLEN = 100_000;
/** Hosts accepted when REPO_HOST_ALLOWLIST is not set. */
export const DEFAULT_REPO_HOSTS = ["github.com", "gitlab.com", "bitbucket.org", "codeberg.org"];

// ---------------------------------------------------------------------------------------------
// Statuses

export const RunStatus = z.enum(["queued", "running", "succeeded", "partially_failed", "failed", "cancelled"]);
export type RunStatus = z.infer<typeof RunStatus>;
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ["succeeded", "partially_failed", "failed", "cancelled"];

/** queued: not launched; scheduled: Job created / process spawned; running: container started. */
export const VariationStatus = z.enum(["queued", "scheduled", "running", "succeeded", "failed", "cancelled"]);
export type VariationStatus = z.infer<typeof VariationStatus>;
export const TERMINAL_VARIATION_STATUSES: readonly VariationStatus[] = ["succeeded", "failed", "cancelled"];

/**
 * A run's final status from its variations': `succeeded` only when every variation succeeded.
 * Cancellation is decided by the caller (a cancelled run is cancelled whatever finished before).
 */
export function finalRunStatus(variations: readonly VariationStatus[]): "succeeded" | "partially_failed" | "failed" {
  const succeeded = variations.filter((s) => s === "succeeded").length;
  if (variations.length > 0 && succeeded === variations.length) return "succeeded";
  return succeeded > 0 ? "partially_failed" : "failed";
}

// ---------------------------------------------------------------------------------------------
// API bodies

/** Model names travel into Job env and logs: a conservative alphabet keeps them inert. */
export const AgentModelName = z
  .string()
  .min(1, "must not be empty")
  .max(100, "at most 100 characters")
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/-]*$/, "letters, digits and . _ : / - only");

export const Temperature = z.number({ message: "expected a number" }).min(0, "at least 0").max(2, "at most 2");

export const VariationSettings = z.strictObject({ model: AgentModelName.optional(), temperature: Temperature.optional() });
export type VariationSettings = z.infer<typeof VariationSettings>;

/** `variations` is a count (settings from the top-level model/temperature) or one settings object per variation. */
export function createRunSchema(maxVariations: number = RUN_MAX_VARIATIONS_DEFAULT) {
  const max = Math.min(maxVariations, RUN_MAX_VARIATIONS_LIMIT);
  return z.strictObject({
    repo_url: z
      .string({ message: "expected a string" })
      .trim()
      .min(1, "must not be empty")
      .max(REPO_URL_MAX_CHARS, `at most ${REPO_URL_MAX_CHARS} characters`),
    prompt: z
      .string({ message: "expected a string" })
      .trim()
      .min(1, "must not be empty")
      .max(RUN_PROMPT_MAX_CHARS, `at most ${RUN_PROMPT_MAX_CHARS} characters`),
    variations: z
      .union(
        [
          z.number().int("expected a whole number").min(1, "at least 1").max(max, `at most ${max} on this deployment`),
          z.array(VariationSettings).min(1, "at least one variation").max(max, `at most ${max} variations on this deployment`),
        ],
        { message: `expected a number from 1 to ${max} or an array of {model?, temperature?}` },
      )
      .default(1),
    model: AgentModelName.optional(),
    temperature: Temperature.optional(),
  });
}

export const CreateRun = createRunSchema().meta({ id: "CreateRun" });
export type CreateRun = z.infer<typeof CreateRun>;

/**
 * Each variation's model and temperature. Without explicit temperatures the variations are spread
 * over 0.2..1.0, so N variations explore N different points instead of repeating one.
 */
export function resolveVariations(body: Pick<CreateRun, "variations" | "model" | "temperature">) {
  const count = typeof body.variations === "number" ? body.variations : body.variations.length;
  const spread = (i: number) => (count === 1 ? 0.7 : Math.round((0.2 + (0.8 * i) / (count - 1)) * 100) / 100);
  return Array.from({ length: count }, (_, index) => {
    const own = typeof body.variations === "number" ? {} : (body.variations[index] ?? {});
    return {
      index,
      model: own.model ?? body.model ?? null,
      temperature: own.temperature ?? body.temperature ?? spread(index),
    };
  });
}

export const SelectWinner = z.strictObject({ variation: z.number().int("expected a whole number").min(0, "at least 0") }).meta({
  id: "SelectWinner",
});
export type SelectWinner = z.infer<typeof SelectWinner>;

export const Variation = z
  .object({
    index: z.number().int(),
    status: VariationStatus,
    model: z.string().nullable(),
    temperature: z.number().nullable(),
    /** Kubernetes Job name, or `local:<pid>` for the local backend. */
    job: z.string().nullable(),
    exit_code: z.number().int().nullable(),
    /** Why it failed or was cancelled, in words a user can act on. */
    reason: z.string().nullable(),
    started_at: Timestamp.nullable(),
    finished_at: Timestamp.nullable(),
    usage: Usage,
    /** Output lines stored so far (the full log: GET /v1/runs/{id}/variations/{index}/log). */
    lines: z.number().int(),
    /** The agent's one-paragraph result. */
    summary: z.string().nullable(),
    /** The proposed change as a unified diff; left out of list responses. */
    diff: z.string().nullable().optional(),
  })
  .meta({ id: "Variation" });
export type Variation = z.infer<typeof Variation>;

export const Run = z
  .object({
    id: Uuid,
    repo_url: z.string(),
    prompt: z.string(),
    status: RunStatus,
    variations: z.array(Variation),
    /** Index of the variation the user picked. */
    winner: z.number().int().nullable(),
    /** Set once cancel was asked for; the run reaches `cancelled` when its workloads are gone. */
    cancel_requested_at: Timestamp.nullable(),
    created_at: Timestamp,
    updated_at: Timestamp,
    started_at: Timestamp.nullable(),
    finished_at: Timestamp.nullable(),
  })
  .meta({ id: "Run" });
export type Run = z.infer<typeof Run>;

export const RunListQuery = z.object({ status: RunStatus.optional() });

export const VariationLogLine = z
  .object({
    seq: z.number().int(),
    ts: Timestamp,
    kind: z.string(),
    line: z.string(),
  })
  .meta({ id: "VariationLogLine" });
export type VariationLogLine = z.infer<typeof VariationLogLine>;

export const VariationLogQuery = z.object({
  /** The seq to continue after (the previous page's next_cursor). */
  cursor: z
    .string()
    .regex(/^\d{1,9}$/, "expected a line number")
    .optional(),
  limit: z.coerce
    .number({ message: "expected a whole number" })
    .int("expected a whole number")
    .min(1, "at least 1")
    .max(5000, "at most 5000")
    .default(1000),
});

// ---------------------------------------------------------------------------------------------
// Queue

/** The agent-runs job carries only the id: the run row is the source of truth. */
export const AgentRunJob = z.object({
  run_id: Uuid,
  /** W3C trace context of the request that created the run. */
  trace: z.record(z.string(), z.string()).optional(),
});
export type AgentRunJob = z.infer<typeof AgentRunJob>;

/** The run id is the job id, so re-enqueueing (sweeper, retries) never runs a run twice at once. */
export const agentRunJobOptions = (runId: string) => ({
  jobId: runId,
  // A failed attempt (database or Redis trouble) resumes from what was stored, so retrying is safe.
  attempts: 5,
  backoff: { type: "exponential" as const, delay: 2000 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
});

/** Redis keys and channels for runs; every key starts with the deployment's REDIS_PREFIX. */
export const runRedisKeys = (prefix: string) => ({
  /** PUBLISH a run id here to cancel it; the launcher holding the run acts at once (the database flag is the backstop). */
  cancelChannel: `${prefix}:runs:cancel`,
});

// ---------------------------------------------------------------------------------------------
// Events

const variationIndex = z.number().int().min(0);

// Each event's own fields; the envelope (type, run_id, at) is added by the event log.
export const RunEventFields = {
  "run.queued": z.object({ variations: z.number().int() }),
  /** A launcher took the run and starts its variations. */
  "run.started": z.object({}),
  "variation.scheduled": z.object({ variation: variationIndex, job: z.string() }),
  "variation.started": z.object({ variation: variationIndex }),
  /** `seq` counts the variation's lines from 0 without gaps; `kind` is the agent event it came from, or `output` for raw output. */
  "variation.log": z.object({ variation: variationIndex, seq: z.number().int(), ts: Timestamp, line: z.string(), kind: z.string() }),
  "variation.succeeded": z.object({ variation: variationIndex, exit_code: z.number().int() }),
  "variation.failed": z.object({ variation: variationIndex, reason: z.string(), exit_code: z.number().int().nullable() }),
  "run.completed": z.object({ status: z.enum(["succeeded", "partially_failed", "failed"]) }),
  "run.cancelled": z.object({}),
} as const;

export type RunEventType = keyof typeof RunEventFields;
export type RunEventPayload<T extends RunEventType> = z.infer<(typeof RunEventFields)[T]>;
export type RunEvent = {
  [T in RunEventType]: { type: T } & RunEventPayload<T>;
}[RunEventType];

export const TERMINAL_RUN_EVENTS: ReadonlySet<string> = new Set(["run.completed", "run.cancelled"]);

// ---------------------------------------------------------------------------------------------
// The agent's stdout protocol: one JSON object per line. Anything else on stdout/stderr is kept
// as raw output, so a crash's stack trace still reaches the user.

const agentEventBase = { variation: variationIndex, seq: z.number().int().min(0), ts: Timestamp };

export const AgentEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("log"), ...agentEventBase, line: z.string() }),
  z.object({ type: z.literal("thought"), ...agentEventBase, line: z.string() }),
  z.object({
    type: z.literal("result"),
    ...agentEventBase,
    summary: z.string(),
    diff: z.string(),
    model: z.string(),
    usage: Usage,
    calls: z.array(LlmCallRecord).default([]),
    /** The agent's own confidence in its change, 0-1 (absent from agents older than verification). */
    confidence: z.number().min(0).max(1).nullable().optional(),
    /** The change verified against the baseline and scored (absent when verification was switched off). */
    verification: VerificationSummary.optional(),
  }),
  z.object({ type: z.literal("error"), ...agentEventBase, code: z.string(), message: z.string() }),
  /**
   * The repository's checks, run on the unmodified checkout (`baseline`, before the agent works)
   * or with the proposed patch applied (`patched`, just before `result`). `checks` is empty when
   * none were detected; `skipped` then says why.
   */
  z.object({
    type: z.literal("verification"),
    ...agentEventBase,
    phase: VerificationPhase,
    checks: z.array(CheckResult),
    duration_ms: z.number().min(0),
    skipped: z.string().nullable(),
  }),
  /** Ship mode: the patch was committed and pushed as a new branch (the last event of a ship run). */
  z.object({
    type: z.literal("shipped"),
    ...agentEventBase,
    branch: z.string(),
    commit: z.string(),
    /** The remote, without credentials. */
    repo_url: z.string(),
    base: z.string(),
  }),
]);
export type AgentEvent = z.infer<typeof AgentEvent>;

/** The agent's exit codes; anything else non-zero is a crash. */
export const AGENT_EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

// ---------------------------------------------------------------------------------------------
// repo_url policy. Checked by the orchestrator (400 with a reason), again by the launcher (the
// queue is not a trust boundary) and by the agent, which also resolves the host and refuses
// private addresses right before cloning.

export type RepoUrlPolicy = {
  /** Host names; `*.example.com` matches subdomains; `*` matches any public host. */
  allowedHosts: readonly string[];
  /** file:// URLs (tests and local development only). */
  allowFile: boolean;
};

export type RepoUrl = {
  kind: "https" | "ssh" | "file";
  /** Lowercased host; null for file://. */
  host: string | null;
  port: number | null;
  /** Repository path on the host, or the absolute directory for file://. */
  path: string;
  /** The URL exactly as git will be given it. */
  url: string;
};

export type RepoUrlCheck = { ok: true; repo: RepoUrl } | { ok: false; message: string };

// Addresses no repository URL may point at: this host, the pod network, cloud metadata, documentation ranges.
const NON_PUBLIC = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.88.99.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  NON_PUBLIC.addSubnet(net, bits, "ipv4");
}
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["64:ff9b::", 96],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const) {
  NON_PUBLIC.addSubnet(net, bits, "ipv6");
}

/** False for private, loopback, link-local, CGNAT, multicast and reserved addresses (IPv4-mapped IPv6 included). */
export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, "");
  const family = isIP(bare);
  if (family === 0) return false;
  if (family === 4) return !NON_PUBLIC.check(bare, "ipv4");
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped?.[1]) return !NON_PUBLIC.check(mapped[1], "ipv4");
  const mappedHex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(bare);
  if (mappedHex?.[1] && mappedHex[2]) {
    const hi = Number.parseInt(mappedHex[1], 16);
    const lo = Number.parseInt(mappedHex[2], 16);
    return !NON_PUBLIC.check(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, "ipv4");
  }
  return !NON_PUBLIC.check(bare, "ipv6");
}

// Names that only mean something inside a cluster or a LAN.
const INTERNAL_SUFFIXES = [".localhost", ".local", ".internal", ".svc", ".cluster.local", ".home.arpa", ".lan", ".intranet", ".corp"];
const HOST_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const REPO_PATH = /^[A-Za-z0-9._~@+/-]+$/;
const SSH_USER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

function hostAllowed(host: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => {
    const e = entry.trim().toLowerCase();
    if (e === "*") return true;
    if (e.startsWith("*.")) return host.endsWith(e.slice(1)) && host.length > e.length - 1;
    return host === e;
  });
}

function checkHost(rawHost: string, policy: RepoUrlPolicy): string | null {
  const host = rawHost.toLowerCase().replace(/\.$/, "");
  const bare = host.replace(/^\[|\]$/g, "");
  if (isIP(bare)) {
    if (!isPublicAddress(bare)) return `host ${rawHost} is a private, loopback or link-local address`;
    if (!hostAllowed(bare, policy.allowedHosts)) return `host ${rawHost} is not on the allowlist (${policy.allowedHosts.join(", ")})`;
    return null;
  }
  const labels = host.split(".");
  if (labels.length < 2) return `host ${JSON.stringify(rawHost)} is not a public domain name (cluster-internal names are refused)`;
  if (!labels.every((l) => HOST_LABEL.test(l))) return `host ${JSON.stringify(rawHost)} is not a valid domain name`;
  // A numeric last label means an IPv4 address in disguise (127.1, 0x7f.1): resolvers accept those.
  if (/^(0x[0-9a-f]*|\d+)$/.test(labels[labels.length - 1] ?? "")) return `host ${JSON.stringify(rawHost)} looks like a numeric address`;
  if (host === "localhost" || INTERNAL_SUFFIXES.some((s) => host.endsWith(s))) {
    return `host ${rawHost} is an internal name`;
  }
  if (!hostAllowed(host, policy.allowedHosts)) return `host ${rawHost} is not on the allowlist (${policy.allowedHosts.join(", ")})`;
  return null;
}

function checkPath(path: string): string | null {
  if (!path || path === "/") return "the URL has no repository path";
  if (path.split("/").some((segment) => segment === ".." || segment === "." || segment.startsWith("-"))) {
    return "the repository path must not contain '.', '..' or segments starting with '-'";
  }
  if (!REPO_PATH.test(path)) return "the repository path may contain only letters, digits and . _ ~ @ + / -";
  return null;
}

/**
 * Validates a repository URL against the policy. Accepted forms: `https://host/owner/repo(.git)`,
 * `ssh://[user@]host[:port]/owner/repo`, `user@host:owner/repo` (scp-like) and, only when the
 * policy allows, `file:///absolute/path`. Credentials in the URL are refused (they would end up
 * in logs and Job specs); so are query strings, fragments and anything that git could read as an
 * option.
 */
export function checkRepoUrl(raw: string, policy: RepoUrlPolicy): RepoUrlCheck {
  const fail = (message: string): RepoUrlCheck => ({ ok: false, message });
  const value = raw.trim();
  if (!value) return fail("must not be empty");
  if (value.length > REPO_URL_MAX_CHARS) return fail(`at most ${REPO_URL_MAX_CHARS} characters`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\s\u0000-\u001f\u007f\\]/.test(value)) return fail("must not contain spaces, control characters or backslashes");
  if (value.startsWith("-")) return fail("must not start with '-'");
  // Checked on the raw text: URL parsing would silently resolve dot segments away.
  if (/(^|[/:])\.\.?(\/|$)/.test(value.replace(/^[a-z]+:\/\//, ""))) {
    return fail("the repository path must not contain '.', '..' or segments starting with '-'");
  }

  const scp = /^([A-Za-z0-9][A-Za-z0-9._-]{0,63})@([A-Za-z0-9.-]+|\[[0-9a-fA-F:.]+\]):(?!\/\/)(.+)$/.exec(value);
  if (scp && !value.includes("://")) {
    const [, user = "", host = "", path = ""] = scp;
    const hostProblem = checkHost(host, policy);
    if (hostProblem) return fail(hostProblem);
    const pathProblem = checkPath(path.replace(/^\//, ""));
    if (pathProblem) return fail(pathProblem);
    return { ok: true, repo: { kind: "ssh", host: host.toLowerCase(), port: null, path, url: `${user}@${host.toLowerCase()}:${path}` } };
  }

  // An https:// or ssh:// URL whose user part has passed its scheme's own rules.
  const networkRepo = (kind: "https" | "ssh", url: URL): RepoUrlCheck => {
    const hostProblem = checkHost(url.hostname, policy);
    if (hostProblem) return fail(hostProblem);
    const path = decodeURIComponent(url.pathname);
    const pathProblem = checkPath(path.replace(/^\//, ""));
    if (pathProblem) return fail(pathProblem);
    const port = url.port ? Number(url.port) : null;
    return { ok: true, repo: { kind, host: url.hostname.toLowerCase(), port, path, url: url.toString() } };
  };

  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail("expected an https:// or ssh:// git URL, or user@host:owner/repo");
  }
  if (url.search || url.hash || value.includes("?") || value.includes("#")) return fail("must not have a query string or fragment");

  switch (url.protocol) {
    case "https:":
      if (url.username || url.password) return fail("must not contain credentials; private repositories need a deploy key or token Secret");
      return networkRepo("https", url);
    case "ssh:":
      if (url.password) return fail("must not contain a password");
      if (url.username && !SSH_USER.test(url.username)) return fail("the ssh user name may contain only letters, digits and . _ -");
      return networkRepo("ssh", url);
    case "file:": {
      if (!policy.allowFile) return fail("file:// repositories are not allowed on this deployment");
      if (url.host) return fail("file:// URLs must have no host (file:///absolute/path)");
      const path = decodeURIComponent(url.pathname);
      const pathProblem = checkPath(path.replace(/^\//, ""));
      if (pathProblem) return fail(pathProblem);
      return { ok: true, repo: { kind: "file", host: null, port: null, path, url: url.toString() } };
    }
    case "http:":
      return fail("use https:// (plain http is refused)");
    case "git:":
      return fail("the git:// protocol is unauthenticated and refused; use https://");
    default:
      return fail(`unsupported scheme ${url.protocol.replace(/:$/, "")}; use https:// or ssh://`);
  }
}
