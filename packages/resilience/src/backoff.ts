/** How waits grow between attempts: `baseMs`, doubling per attempt, capped at `maxMs`. */
export type Backoff = {
  baseMs: number;
  maxMs?: number;
  /**
   * "none": exactly base × 2^(n-1) (what BullMQ's exponential backoff does, so a `task.retrying`
   * event can say when the next attempt comes); "equal": half fixed, half random, so a burst of
   * failures does not come back in lockstep.
   */
  jitter?: "none" | "equal";
};

/** The wait before retry number `retry` (1-based). */
export function backoffDelay(retry: number, backoff: Backoff, random: () => number = Math.random): number {
  const exponential = Math.min(backoff.maxMs ?? Number.POSITIVE_INFINITY, backoff.baseMs * 2 ** Math.max(0, retry - 1));
  if (backoff.jitter !== "equal") return Math.round(exponential);
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}

/** A wait that an abort cuts short (it resolves, the caller looks at the signal). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

export type RetryOptions = Backoff & {
  /** Attempts in all, the first included. */
  attempts: number;
  /** False stops at once and rethrows (a permanent failure, a cancel). Default: every error is retried. */
  retryable?: (err: unknown, attempt: number) => boolean;
  /** Called before each wait, e.g. to log the failure. */
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
};

/** Runs `fn` until it succeeds, the attempts run out or an error is not retryable; the last error is rethrown. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (attempt >= options.attempts || options.signal?.aborted || options.retryable?.(err, attempt) === false) throw err;
      const delay = backoffDelay(attempt, options);
      options.onRetry?.(err, attempt, delay);
      await sleep(delay, options.signal);
    }
  }
}
