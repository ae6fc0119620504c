/** Stable failure kinds; callers decide retry, fallback and messaging from these, never from message text. */
export type LlmErrorCode =
  | "unknown_model"
  | "timeout"
  | "aborted"
  | "rate_limited"
  /** The account is out of credit or over its spending limit: waiting does not help, another provider may. */
  | "quota_exceeded"
  | "provider_unavailable"
  | "auth_failed"
  | "bad_request"
  | "content_filtered"
  | "provider_error";

const RETRYABLE: ReadonlySet<LlmErrorCode> = new Set(["timeout", "rate_limited", "provider_unavailable", "provider_error"]);

/**
 * Failures that say "this provider cannot serve the call right now", so another provider may:
 * outages (5xx), timeouts, rate limits and exhausted quota. A rejected key, a bad request or an
 * unknown model is a configuration problem that a fallback would only hide.
 */
const FALLBACK_ELIGIBLE: ReadonlySet<LlmErrorCode> = new Set([
  "timeout",
  "rate_limited",
  "quota_exceeded",
  "provider_unavailable",
  "provider_error",
]);

export class LlmError extends Error {
  readonly code: LlmErrorCode;
  /** True when the same call may succeed later (timeouts, 429, 5xx). */
  readonly retryable: boolean;
  readonly provider: string | undefined;
  readonly model: string | undefined;
  /** HTTP status from the provider, when there was one. */
  readonly status: number | undefined;
  /** How long the provider asked us to wait (Retry-After), when it said. */
  readonly retryAfterMs: number | undefined;
  /** The provider's request id, for support tickets; never secret. */
  readonly requestId: string | undefined;
  /** Attempts made on this model before giving up (set by the router's retry loop). */
  attempts = 1;

  constructor(
    code: LlmErrorCode,
    message: string,
    details: {
      provider?: string;
      model?: string;
      status?: number;
      retryable?: boolean;
      retryAfterMs?: number;
      requestId?: string;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "LlmError";
    this.code = code;
    this.retryable = details.retryable ?? RETRYABLE.has(code);
    this.provider = details.provider;
    this.model = details.model;
    this.status = details.status;
    this.retryAfterMs = details.retryAfterMs;
    this.requestId = details.requestId;
  }

  /** Whether a fallback model of another provider may serve the call instead. */
  get fallbackEligible(): boolean {
    return FALLBACK_ELIGIBLE.has(this.code);
  }
}

export function isLlmError(err: unknown): err is LlmError {
  return err instanceof LlmError;
}
