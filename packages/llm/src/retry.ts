import { backoffDelay } from "@threads-agent/resilience";
import { isLlmError, LlmError } from "./errors.ts";

/**
 * How the router retries a model call on the same model. The SDKs' own retries are switched off
 * (maxRetries: 0) so there is one policy for every provider, every retry is visible (logs, metrics,
 * the call's `reason`), and a stream that already produced text is never silently replayed.
 */
export type RetryPolicy = {
  /** Extra attempts after the first, for 429, 5xx and network errors. */
  maxRetries: number;
  /** First backoff; doubles per retry, with jitter. */
  baseDelayMs: number;
  /**
   * Longest wait before a retry. A provider asking for longer (Retry-After) is treated as
   * unavailable for this call: the fallback, or the task's own retry later, is the better bet.
   */
  maxDelayMs: number;
};

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 2, baseDelayMs: 500, maxDelayMs: 8_000 };

/**
 * Milliseconds to wait before retry number `retry` (1-based): the provider's Retry-After when it
 * gave one, else exponential backoff with "equal jitter" (half fixed, half random) so a burst of
 * rate-limited calls does not come back in lockstep. Null when the wait would exceed the policy.
 */
export function retryDelay(retry: number, policy: RetryPolicy, retryAfterMs?: number, random: () => number = Math.random): number | null {
  if (retryAfterMs !== undefined) return retryAfterMs <= policy.maxDelayMs ? Math.max(0, retryAfterMs) : null;
  return backoffDelay(retry, { baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs, jitter: "equal" }, random);
}

/** "rate_limited (HTTP 429)": a failure as call reasons and logs show it. */
export function describeFailure(err: LlmError): string {
  return err.status ? `${err.code} (HTTP ${err.status})` : err.code;
}

/** The reason of a call that succeeded: "primary", "primary after 2 retries: rate_limited (HTTP 429)". */
export function servedReason(base: string, failures: readonly LlmError[]): string {
  const last = failures.at(-1);
  if (!last) return base;
  return `${base} after ${failures.length} ${failures.length === 1 ? "retry" : "retries"}: ${describeFailure(last)}`;
}

/** What happened to one attempt; the router reports these to its `onAttempt` hooks. */
export type AttemptReport = {
  provider: string;
  /** `provider/model` asked of the provider. */
  model: string;
  /** 1-based attempt number on this model. */
  attempt: number;
  ms: number;
  outcome: "ok" | LlmError["code"];
  status?: number | undefined;
  /** What comes next after a failure: another attempt, the fallback model, or giving up. */
  next?: "retry" | "fallback" | "fail" | undefined;
  /** Wait before the retry, when `next` is "retry". */
  retryInMs?: number | undefined;
  /** The step the call served (from its purpose), for logs and metrics. */
  step?: string | undefined;
  /** Why the attempt failed, safe to log. */
  message?: string | undefined;
};

/**
 * Turns whatever an attempt threw into an LlmError. The caller's own abort wins over a deadline
 * that fired at the same moment; a deadline wins over the socket error it caused.
 */
export function normalizeError(
  err: unknown,
  context: {
    provider: string;
    model: string;
    signal?: AbortSignal | undefined;
    deadline?: AbortSignal | undefined;
    timeoutMs?: number | undefined;
  },
): LlmError {
  const details = { provider: context.provider, model: context.model };
  if (context.signal?.aborted) return new LlmError("aborted", `call to ${context.model} was aborted`, details);
  if (context.deadline?.aborted) {
    return new LlmError("timeout", `${context.model} did not answer within ${context.timeoutMs} ms`, details);
  }
  if (isLlmError(err)) return err;
  return new LlmError("provider_error", `${context.model} failed: ${err instanceof Error ? err.message : String(err)}`, {
    ...details,
    cause: err,
  });
}

/** Sleeps, or rejects as soon as `signal` aborts (shutdown, client gone). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return signal?.aborted ? Promise.reject(signal.reason) : Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export type RetryOptions = {
  provider: string;
  model: string;
  policy: RetryPolicy;
  /** Deadline of each attempt. */
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
  /** Whether a fallback is waiting, so reports can say "fallback" instead of "fail". */
  hasFallback?: boolean;
  step?: string | undefined;
  onAttempt?: ((report: AttemptReport) => void) | undefined;
  /**
   * Asked before each retry; false stops retrying with the failure as it is. The router uses it to
   * refuse replaying a stream whose text already reached a caller that cannot take it back.
   */
  beforeRetry?: ((err: LlmError) => boolean) | undefined;
};

export type RetryResult<T> = { value: T; attempts: number; failures: LlmError[]; latencyMs: number };

/**
 * Runs `attempt` until it succeeds or fails for good. Retries retryable failures (429, 5xx,
 * network) up to the policy, honouring Retry-After; timeouts are not retried on the same model
 * (one full deadline already passed, a second would double the wait before the fallback can help).
 * Rejects with the last LlmError, its `attempts` set.
 */
export async function withRetries<T>(
  attempt: (signal: AbortSignal, n: number) => Promise<T>,
  options: RetryOptions,
): Promise<RetryResult<T>> {
  const failures: LlmError[] = [];
  const started = performance.now();
  for (let n = 1; ; n++) {
    const deadline = options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined;
    const signals = [options.signal, deadline].filter((s): s is AbortSignal => s !== undefined);
    const signal = signals.length ? AbortSignal.any(signals) : new AbortController().signal;
    const attemptStarted = performance.now();
    const report = (extra: Partial<AttemptReport> & Pick<AttemptReport, "outcome">) =>
      options.onAttempt?.({
        provider: options.provider,
        model: options.model,
        attempt: n,
        ms: Math.round((performance.now() - attemptStarted) * 10) / 10,
        step: options.step,
        ...extra,
      });
    try {
      const value = await attempt(signal, n);
      report({ outcome: "ok" });
      return { value, attempts: n, failures, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
    } catch (raw) {
      const err = normalizeError(raw, { ...options, deadline });
      err.attempts = n;
      if (err.code === "aborted") throw err;
      failures.push(err);
      let delay =
        err.retryable && err.code !== "timeout" && n <= options.policy.maxRetries ? retryDelay(n, options.policy, err.retryAfterMs) : null;
      if (delay !== null && options.beforeRetry && !options.beforeRetry(err)) delay = null;
      const next = delay !== null ? "retry" : options.hasFallback && err.fallbackEligible ? "fallback" : "fail";
      report({ outcome: err.code, status: err.status, next, retryInMs: delay ?? undefined, message: err.message });
      if (delay === null) throw err;
      try {
        await sleep(delay, options.signal);
      } catch {
        throw new LlmError("aborted", `call to ${options.model} was aborted`, { provider: options.provider, model: options.model });
      }
    }
  }
}
