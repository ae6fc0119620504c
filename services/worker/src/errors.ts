/**
 * A failure that another attempt may fix (a dependency down, a timeout, a 5xx). Thrown from the
 * processor, BullMQ retries it with backoff until the attempts run out.
 */
export class TransientError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TransientError";
    this.code = code;
  }
}

/** A failure no retry can fix (a request the dependency rejects as invalid). */
export class PermanentError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "PermanentError";
    this.code = code;
  }
}

/**
 * Not a failure: the attempt cannot go on before `at` (an earlier publish attempt may still be in
 * flight). The worker delays the job until then without spending an attempt; the task's state is
 * left as it is.
 */
export class RescheduleJob extends Error {
  readonly at: Date;
  constructor(at: Date, reason: string) {
    super(reason);
    this.name = "RescheduleJob";
    this.at = at;
  }
}

/**
 * The post cannot be published before `until` (the account's Threads publishing quota is used
 * up): the task goes to `deferred` with a `task.deferred` event, and its job is delayed until then
 * without spending an attempt.
 */
export class DeferTask extends Error {
  readonly until: Date;
  readonly reason: string;
  constructor(until: Date, reason: string) {
    super(`deferred until ${until.toISOString()}: ${reason}`);
    this.name = "DeferTask";
    this.until = until;
    this.reason = reason;
  }
}

export function errorCode(err: unknown): string {
  return err instanceof TransientError || err instanceof PermanentError ? err.code : "internal";
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Describes a fetch failure by its cause (ECONNREFUSED, timeout) rather than "fetch failed". */
export function describeFetchError(err: unknown): string {
  if (err instanceof Error && err.name === "TimeoutError") return "timed out";
  if (err instanceof Error && err.name === "AbortError") return "aborted";
  const cause = err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? errorMessage(err);
}

/**
 * Every error code an attempt can fail with, known in advance so the error metrics start at 0
 * (a code's first failure must be visible to rate()): the worker's own codes and the codes of
 * persona-runtime's error frames (`llm_<LlmError code>`, `empty_output`, `internal`). A new
 * code belongs here.
 */
export const TASK_ERROR_CODES = [
  "persona_runtime_unavailable",
  "persona_runtime_error",
  "persona_runtime_rejected",
  "persona_runtime_protocol",
  "threads_unavailable",
  "threads_unauthorized",
  "threads_rejected",
  "llm_timeout",
  "llm_rate_limited",
  "llm_quota_exceeded",
  "llm_provider_unavailable",
  "llm_provider_error",
  "llm_auth_failed",
  "llm_bad_request",
  "llm_content_filtered",
  "llm_unknown_model",
  "empty_output",
  "internal",
] as const;
