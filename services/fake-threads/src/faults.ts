import { z } from "zod";

/** Calls a fault rule can target: each Graph endpoint fake-threads serves, plus the deprecated publish. */
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
 * their work and then lose the connection before any byte of the answer.
 */
export const FaultRuleInput = z
  .strictObject({
    endpoint: z.enum(FAULT_ENDPOINTS, { message: `one of ${FAULT_ENDPOINTS.join(", ")}` }),
    nth: count(1, 10_000).default(1),
    times: count(1, 10_000).default(1),
    status: count(400, 599).optional(),
    code: count(-10, 99_999_999).optional(),
    error_subcode: count(0, 99_999_999).optional(),
    message: z.string().min(1).max(500).optional(),
    drop_response: z.boolean().default(false),
  })
  .superRefine((rule, ctx) => {
    if (rule.drop_response && (rule.status !== undefined || rule.code !== undefined))
      ctx.addIssue({ code: "custom", path: ["drop_response"], message: "a dropped response has no status or code; give one or the other" });
  });
export type FaultRuleInput = z.output<typeof FaultRuleInput>;

/** The original plan, for the deprecated `POST /publish`: the next `fail_next` calls answer `status`. */
export const FaultPlan = z.strictObject({
  fail_next: count(0, 10_000),
  status: count(400, 599).default(503),
});
export type FaultPlan = z.infer<typeof FaultPlan>;

export type FaultRule = FaultRuleInput & { id: number; calls_to_skip: number; failures_left: number };

export type Fault =
  | { action: "fail"; status?: number | undefined; code?: number | undefined; subcode?: number | undefined; message?: string | undefined }
  | { action: "drop" };

/** Test-only fault injection, so other services' retry, backoff and exactly-once paths can be exercised. */
export class FaultInjector {
  #legacyRemaining = 0;
  #legacyStatus = 503;
  #rules: FaultRule[] = [];
  #nextId = 1;

  arm(plan: FaultPlan): void {
    this.#legacyRemaining = plan.fail_next;
    this.#legacyStatus = plan.status;
  }

  add(input: FaultRuleInput): FaultRule {
    const rule: FaultRule = { ...input, id: this.#nextId++, calls_to_skip: input.nth - 1, failures_left: input.times };
    this.#rules.push(rule);
    return rule;
  }

  clear(): void {
    this.#legacyRemaining = 0;
    this.#rules = [];
  }

  get plan(): FaultPlan {
    return { fail_next: this.#legacyRemaining, status: this.#legacyStatus };
  }

  get rules(): readonly FaultRule[] {
    return this.#rules;
  }

  /** The deprecated publish's plan: the status the current call must fail with, or null. */
  takeLegacy(): { status: number; remaining: number } | null {
    if (this.#legacyRemaining === 0) return null;
    this.#legacyRemaining--;
    return { status: this.#legacyStatus, remaining: this.#legacyRemaining };
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
    if (fired.drop_response) return { action: "drop" };
    return { action: "fail", status: fired.status, code: fired.code, subcode: fired.error_subcode, message: fired.message };
  }
}
