/** Stable failure kinds; callers decide retry and messaging from these, never from message text. */
export type LlmErrorCode =
  | "unknown_model"
  | "timeout"
  | "aborted"
  | "rate_limited"
  | "provider_unavailable"
  | "auth_failed"
  | "bad_request"
  | "content_filtered"
  | "provider_error";

const RETRYABLE: ReadonlySet<LlmErrorCode> = new Set(["timeout", "rate_limited", "provider_unavailable", "provider_error"]);

export class LlmError extends Error {
  readonly code: LlmErrorCode;
  /** True when the same call may succeed later (timeouts, 429, 5xx). */
  readonly retryable: boolean;
  readonly provider: string | undefined;
  readonly model: string | undefined;
  /** HTTP status from the provider, when there was one. */
  readonly status: number | undefined;

  constructor(
    code: LlmErrorCode,
    message: string,
    details: { provider?: string; model?: string; status?: number; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "LlmError";
    this.code = code;
    this.retryable = details.retryable ?? RETRYABLE.has(code);
    this.provider = details.provider;
    this.model = details.model;
    this.status = details.status;
  }
}

export function isLlmError(err: unknown): err is LlmError {
  return err instanceof LlmError;
}
