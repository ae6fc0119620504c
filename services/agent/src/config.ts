// The agent's environment: set by the agent-launcher on each Job / child process, never by hand.
import { env, loadConfig } from "@threads-agent/config";
import { AgentModelName, DEFAULT_REPO_HOSTS, RUN_PROMPT_MAX_CHARS, Uuid } from "@threads-agent/contracts";
import { z } from "zod";

export const configSchema = z.object({
  /** The run this variation belongs to (only for messages and the LLM call owner). */
  RUN_ID: Uuid,
  /** Which variation this process is, from 0; every stdout event carries it. */
  VARIATION: z.coerce.number().int().min(0),
  /** Repository to clone; validated again here against the same policy as the API's. */
  REPO_URL: z.string().min(1),
  /** What the user asked for. */
  AGENT_PROMPT: z.string().min(1).max(RUN_PROMPT_MAX_CHARS),
  /** `provider/model`; unset: the first provider with a key, else the offline analysis. */
  AGENT_MODEL: AgentModelName.optional(),
  /** Sampling temperature; also steers which change the offline analysis proposes. */
  AGENT_TEMPERATURE: z.coerce.number().min(0).max(2).default(0.7),
  /** Scratch directory for the checkout (an emptyDir in Kubernetes). */
  AGENT_WORKDIR: z.string().default("/workspace"),
  /** Hosts a repository may come from (same syntax as the launcher's). */
  REPO_HOST_ALLOWLIST: env.list(DEFAULT_REPO_HOSTS),
  /** Directories file:// repositories may be under (tests and local development); the launcher passes its own. */
  ALLOW_FILE_REPOS: env.fileRepoRoots(),
  /** The clone is killed after this long. */
  AGENT_CLONE_TIMEOUT_SECONDS: env.positiveInt(120),
  /** ...or when the checkout grows beyond this size. */
  AGENT_CLONE_MAX_MB: env.positiveInt(200),
  /** Delay between output lines, so a demo can be watched; 0 in production. */
  AGENT_PACE_MS: env.nonNegativeInt(0),
  /**
   * Run the repository's checks before and after the change. `auto`: in a Kubernetes pod (the
   * agent Job's sandbox) and for file:// repositories (code already on this machine), not for a
   * remote repository on the local backend, where its code would run as the developer's user.
   */
  AGENT_VERIFY: z.enum(["auto", "true", "false", "1", "0", "yes", "no"], { message: "expected auto, true or false" }).default("auto"),
  /** Set by Kubernetes in every pod; tells AGENT_VERIFY=auto that the agent runs in its Job. */
  KUBERNETES_SERVICE_HOST: z.string().optional(),
  /** The check to run instead of the detected ones (`sh -c`), e.g. `npm test -- --run`. */
  AGENT_CHECK_COMMAND: z.string().max(2000, "at most 2000 characters").optional(),
  /** Each check command is killed (its whole process group) after this long. */
  AGENT_CHECK_TIMEOUT_SECONDS: env.positiveInt(300),
  /** With a model: at most this many model turns... */
  AGENT_MAX_STEPS: env.positiveInt(30),
  /** ...this many tokens in and out over all turns... */
  AGENT_MAX_TOKENS: env.positiveInt(400_000),
  /** ...and this long for the whole tool loop. */
  AGENT_TIME_LIMIT_SECONDS: env.positiveInt(600),
  /** Provider keys, injected from a Secret; absent or `test` means offline. */
  OPENAI_API_KEY: z.string().optional(),
  ANTHROPIC_API_KEY: z.string().optional(),
  /** Provider endpoints (a proxy, or a stand-in in tests); the SDK defaults when unset. */
  OPENAI_BASE_URL: env.url().optional(),
  ANTHROPIC_BASE_URL: env.url().optional(),
});
export type AgentConfig = z.output<typeof configSchema>;

export function loadAgentConfig(source: Record<string, string | undefined> = process.env): AgentConfig {
  return loadConfig("agent", configSchema, source);
}

/** Whether verification runs, and why not when it does not (see AGENT_VERIFY). */
export function verificationSetting(
  config: Pick<AgentConfig, "AGENT_VERIFY" | "KUBERNETES_SERVICE_HOST">,
  repoKind: "https" | "ssh" | "file",
): { on: true } | { on: false; why: string } {
  const value = config.AGENT_VERIFY;
  if (value === "true" || value === "1" || value === "yes") return { on: true };
  if (value !== "auto") return { on: false, why: "verification is switched off (AGENT_VERIFY=false)" };
  if (config.KUBERNETES_SERVICE_HOST || repoKind === "file") return { on: true };
  return {
    on: false,
    why: "verification runs the repository's own code, which outside a Kubernetes Job would run as this machine's user: off for remote repositories on the local backend (AGENT_VERIFY=true runs it anyway)",
  };
}
