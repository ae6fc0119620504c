import { storableText } from "@threads-agent/contracts";
import { AppError } from "@threads-agent/http";
import { z } from "zod";

/** Calls a fault rule can target: each Graph endpoint fake-threads serves, plus the original `POST /publish`. */
export const FAULT_ENDPOINTS = [
  "me",
  "debug_token",
  "container_create",
  "container_status",
  "publish",
  "media",
  "list",
  "limit",
  "insights",
  "followers",
  "refresh",
  "legacy_publish",
] as const;
export type FaultEndpoint = (typeof FAULT_ENDPOINTS)[number];

const count = (min: number, max: number) =>
  z.number({ message: "expected a whole number" }).int("expected a whole number").min(min, `at least ${min}`).max(max, `at most ${max}`);

/**
 * `POST /_faults` with an `endpoint`: the `nth` call of it from now (1 = the next one) and the
 * `times - 1` after it fail with `status` and/or Graph error `code`, or, with `drop_response`, do
 * their work and then lose the connection before any byte of the answer. `delay_ms` holds the
 * answer (after the work, or before the injected error) that long: with it a client times out
 * after the work was done, or a test kills the client while the answer is on its way.
 */
export const FaultRuleInput = z
  .strictObject({
    endpoint: z.enum(FAULT_ENDPOINTS, { message: `one of ${FAULT_ENDPOINTS.join(", ")}` }),
    nth: count(1, 10_000).default(1),
    times: count(1, 10_000).default(1),
    status: count(400, 599).optional(),
    code: count(-10, 99_999_999).optional(),
    error_subcode: count(0, 99_999_999).optional(),
    message: storableText(z.string()).min(1).max(500).optional(),
    drop_response: z.boolean().default(false),
    delay_ms: count(0, 600_000).default(0),
    /** container_create only: the container is created, and once processed its status is ERROR with this error_message. */
    container_error: storableText(z.string()).min(1).max(200).optional(),
  })
  .superRefine((rule, ctx) => {
    if (rule.drop_response && (rule.status !== undefined || rule.code !== undefined))
      ctx.addIssue({ code: "custom", path: ["drop_response"], message: "a dropped response has no status or code; give one or the other" });
    if (rule.container_error !== undefined && rule.endpoint !== "container_create")
      ctx.addIssue({ code: "custom", path: ["container_error"], message: "only for endpoint container_create" });
    if (rule.container_error !== undefined && (rule.drop_response || rule.status !== undefined || rule.code !== undefined))
      ctx.addIssue({
        code: "custom",
        path: ["container_error"],
        message: "a failing container is created normally; give no status, code or drop_response",
      });
    if (
      !rule.drop_response &&
      rule.status === undefined &&
      rule.code === undefined &&
      rule.delay_ms === 0 &&
      rule.container_error === undefined
    )
      ctx.addIssue({
        code: "custom",
        path: ["status"],
        message: "say what the fault does: a status or code, drop_response, delay_ms or container_error",
      });
  });
export type FaultRuleInput = z.output<typeof FaultRuleInput>;

export type FaultRule = FaultRuleInput & { id: number; calls_to_skip: number; failures_left: number };

export type Fault = { delayMs: number } & (
  | { action: "fail"; status?: number | undefined; code?: number | undefined; subcode?: number | undefined; message?: string | undefined }
  | { action: "drop" }
  | { action: "delay" }
  | { action: "container_error"; message: string }
);

/** The problem+json answer of an injected failure of the original `POST /publish`. */
export function injectedProblem(status: number): AppError {
  return new AppError(status, "injected-fault", "Injected fault", "Failing on purpose (POST /_faults)");
}

/** Test-only fault injection, so other services' retry, backoff and exactly-once paths can be exercised. */
export class FaultInjector {
  #rules: FaultRule[] = [];
  #nextId = 1;

  add(input: FaultRuleInput): FaultRule {
    const rule: FaultRule = { ...input, id: this.#nextId++, calls_to_skip: input.nth - 1, failures_left: input.times };
    this.#rules.push(rule);
    return rule;
  }

  clear(): void {
    this.#rules = [];
  }

  get rules(): readonly FaultRule[] {
    return this.#rules;
  }

  /** Counts a call of `endpoint` against every rule for it; the first rule due decides its fate. */
  take(endpoint: FaultEndpoint): Fault | null {
    let fired: FaultRule | null = null;
    for (const rule of this.#rules) {
      if (rule.endpoint !== endpoint) continue;
      if (rule.calls_to_skip > 0) {
        rule.calls_to_skip--;
        continue;
      }
      if (!fired) {
        fired = rule;
        rule.failures_left--;
      }
    }
    this.#rules = this.#rules.filter((r) => r.failures_left > 0);
    if (!fired) return null;
    const delayMs = fired.delay_ms;
    if (fired.drop_response) return { action: "drop", delayMs };
    if (fired.container_error !== undefined) return { action: "container_error", delayMs, message: fired.container_error };
    if (fired.status === undefined && fired.code === undefined) return { action: "delay", delayMs };
    return { action: "fail", delayMs, status: fired.status, code: fired.code, subcode: fired.error_subcode, message: fired.message };
  }
}
