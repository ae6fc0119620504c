import { z } from "zod";

/** `POST /_faults` body: the next `fail_next` publish calls answer `status`. */
export const FaultPlan = z.strictObject({
  fail_next: z
    .number({ message: "expected a whole number" })
    .int("expected a whole number")
    .min(0, "at least 0")
    .max(10_000, "at most 10000"),
  status: z.number().int().min(400, "an HTTP error status, 400-599").max(599, "an HTTP error status, 400-599").default(503),
});
export type FaultPlan = z.infer<typeof FaultPlan>;

/** Test-only fault injection for publish calls, so other services' retry paths can be exercised. */
export class FaultInjector {
  #remaining = 0;
  #status = 503;

  arm(plan: FaultPlan): void {
    this.#remaining = plan.fail_next;
    this.#status = plan.status;
  }

  clear(): void {
    this.#remaining = 0;
  }

  get plan(): FaultPlan {
    return { fail_next: this.#remaining, status: this.#status };
  }

  /** The status the current call must fail with, or null to let it through. */
  take(): { status: number; remaining: number } | null {
    if (this.#remaining === 0) return null;
    this.#remaining--;
    return { status: this.#status, remaining: this.#remaining };
  }
}
