// Shipping a run's winner: its patch committed on a new branch and pushed to the repository, by
// the agent's ship mode (AGENT_MODE=ship) in a Job or local process the launcher starts. The
// branch-name rules, the ship's statuses, its queue and how the API shows it.
import { z } from "zod";
import { Timestamp, Uuid } from "./ids.ts";

/**
 * A branch name git accepts (git check-ref-format) from a conservative alphabet: segments of
 * letters, digits, `.`, `_`, `-`, separated by `/`; no segment starting with `.` or `-`, no
 * `..`, no `.lock` suffix, no trailing `.`.
 */
export const BranchName = z
  .string({ message: "expected a string" })
  .min(1, "must not be empty")
  .max(200, "at most 200 characters")
  .regex(/^[A-Za-z0-9._/-]+$/, "letters, digits and . _ / - only")
  .refine(
    (b) =>
      b.split("/").every((s) => s !== "" && !s.startsWith(".") && !s.startsWith("-") && !s.endsWith(".lock")) &&
      !b.includes("..") &&
      !b.endsWith("."),
    "not a valid git branch name (empty or dot-led segments, '..', '.lock' and a trailing '.' are not allowed)",
  );

/** queued: recorded, waiting for a launcher; pushing: its workload runs; pushed / failed: final. */
export const ShipStatus = z.enum(["queued", "pushing", "pushed", "failed"]);
export type ShipStatus = z.infer<typeof ShipStatus>;
export const TERMINAL_SHIP_STATUSES: readonly ShipStatus[] = ["pushed", "failed"];

/** The agent's ship-mode error codes a user can act on; `branch_exists` is answered with 409. */
export const SHIP_BRANCH_EXISTS = "branch_exists";

/** A push of a run's winner as the API shows it. */
export const RunShip = z
  .object({
    variation: z.number().int(),
    branch: z.string(),
    status: ShipStatus,
    /** The pushed commit; null until pushed. */
    commit: z.string().nullable(),
    /** The branch the commit was made on (the remote's default branch). */
    base: z.string().nullable(),
    /** Why it failed, in words; null unless failed. */
    reason: z.string().nullable(),
    /** The agent's error code when it failed (`branch_exists`, `push_failed`, ...). */
    code: z.string().nullable(),
    /** The Job name, or `local:<pid>`. */
    job: z.string().nullable(),
    created_at: Timestamp,
    finished_at: Timestamp.nullable(),
  })
  .meta({ id: "RunShip" });
export type RunShip = z.infer<typeof RunShip>;

/** The agent-ships job carries only the ship's id: its row is the source of truth. */
export const AgentShipJob = z.object({ ship_id: Uuid, trace: z.record(z.string(), z.string()).optional() });
export type AgentShipJob = z.infer<typeof AgentShipJob>;

/** The ship id is the job id. A push is not repeated blindly: a retry re-follows the workload it started. */
export const agentShipJobOptions = (shipId: string) => ({
  jobId: shipId,
  attempts: 3,
  backoff: { type: "exponential" as const, delay: 2000 },
  removeOnComplete: { age: 3600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
});
