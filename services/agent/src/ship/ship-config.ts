// Ship mode's environment (AGENT_MODE=ship): set by the launcher on a ship workload, the push
// credential from a Secret. Nothing here is ever printed; config errors name variables, not values.
import { env, loadConfig } from "@threads-agent/config";
import { BranchName, DEFAULT_REPO_HOSTS, Uuid } from "@threads-agent/contracts";
import { z } from "zod";

/** Branch names as the API checks them (contracts), so a name the API accepted is one ship mode accepts. */
export { BranchName };

export const shipConfigSchema = z
  .object({
    /** The run and variation the change came from: named in the commit message. */
    RUN_ID: Uuid,
    VARIATION: z.coerce.number().int().min(0),
    /** The repository to push to; the same policy as for cloning. */
    REPO_URL: z.string().min(1),
    /** The new branch; the push is refused if it exists on the remote. */
    SHIP_BRANCH: BranchName,
    /** The branch the change is made on; the remote's default branch when unset. */
    SHIP_BASE: BranchName.optional(),
    /** The patch (a unified diff), inline... */
    SHIP_PATCH: z.string().optional(),
    /** ...or in a file (a mounted ConfigMap or Secret). */
    SHIP_PATCH_FILE: z.string().optional(),
    /** The commit's first line; "threads-agent: run <id>, variation <n>" when unset. */
    SHIP_TITLE: z.string().max(200, "at most 200 characters").optional(),
    SHIP_AUTHOR_NAME: z.string().min(1).max(200).default("threads-agent"),
    SHIP_AUTHOR_EMAIL: z.email({ message: "expected an email address" }).default("agent@threads-agent.invalid"),
    /** https push credential (a token with contents:write), from a Secret; never printed. */
    SHIP_TOKEN: z.string().optional(),
    /** The user name sent with SHIP_TOKEN (GitHub accepts any; x-access-token is its convention). */
    SHIP_USERNAME: z.string().default("x-access-token"),
    /** ssh push credential: a private key (OpenSSH format), from a Secret; never printed. */
    SHIP_SSH_KEY: z.string().optional(),
    /** git push (and ls-remote) is killed after this long. */
    SHIP_PUSH_TIMEOUT_SECONDS: env.positiveInt(120),
    AGENT_WORKDIR: z.string().default("/workspace"),
    REPO_HOST_ALLOWLIST: env.list(DEFAULT_REPO_HOSTS),
    ALLOW_FILE_REPOS: env.fileRepoRoots(),
    AGENT_CLONE_TIMEOUT_SECONDS: env.positiveInt(120),
    AGENT_CLONE_MAX_MB: env.positiveInt(200),
  })
  .superRefine((c, ctx) => {
    if ((c.SHIP_PATCH === undefined) === (c.SHIP_PATCH_FILE === undefined)) {
      ctx.addIssue({ code: "custom", path: ["SHIP_PATCH"], message: "set exactly one of SHIP_PATCH and SHIP_PATCH_FILE" });
    }
    if (c.SHIP_TOKEN !== undefined && c.SHIP_SSH_KEY !== undefined) {
      ctx.addIssue({ code: "custom", path: ["SHIP_TOKEN"], message: "set SHIP_TOKEN (https) or SHIP_SSH_KEY (ssh), not both" });
    }
  });
export type ShipConfig = z.output<typeof shipConfigSchema>;

export function loadShipConfig(source: Record<string, string | undefined> = process.env): ShipConfig {
  return loadConfig("agent (ship mode)", shipConfigSchema, source);
}
