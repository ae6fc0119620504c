/**
 * The states of a circuit breaker: `closed` lets work through and counts consecutive failures;
 * `open` stops work until `retryAt`; `half_open` lets one probe through, whose outcome closes it
 * again or opens it for twice as long (up to `maxOpenMs`).
 */
export type BreakerState = "closed" | "open" | "half_open";

export type BreakerChange = {
  name: string;
  from: BreakerState;
  to: BreakerState;
  /** Consecutive failures counted when the change happened. */
  failures: number;
  /** When an open breaker lets its next probe through; null unless `to` is open. */
  retryAt: Date | null;
  /** The failure that opened it (or the probe's), for logs and viewers. */
  reason: string | null;
};

export type CircuitBreakerOptions = {
  /** What it protects (a dependency's name). */
  name: string;
  /** Consecutive failures that open it. */
  failureThreshold: number;
  /** How long the first opening lasts; each failed probe doubles it. */
  openMs: number;
  /** Upper bound of the doubling. */
  maxOpenMs: number;
  /** Called on every state change (after it happened). */
  onChange?: (change: BreakerChange) => void;
  now?: () => number;
};

export type BreakerSnapshot = {
  state: BreakerState;
  failures: number;
  retry_at: string | null;
  last_error: string | null;
};

/**
 * A circuit breaker fed from outside: callers report each outcome (`success`, `failure`) and ask
 * `state`; it goes half-open by itself when its open period ends (a timer), so the owner can let a
 * probe through without polling.
 *
 * Written here rather than taken from opossum or cockatiel: both wrap one function call
 * (`fire`/`execute`) and decide on its result, while our outcomes are known only after a whole
 * queue job (an error code several calls deep) and our "open" is a paused queue consumer, not a
 * refused call. What they add beyond this (rolling windows, timeouts) we do not need.
 */
export class CircuitBreaker {
  readonly name: string;
  private readonly options: CircuitBreakerOptions;
  private readonly now: () => number;
  private current: BreakerState = "closed";
  private failures = 0;
  /** Openings since it was last closed: the next open period is openMs × 2^(openings-1). */
  private openings = 0;
  private reopenAt: number | null = null;
  private lastError: string | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: CircuitBreakerOptions) {
    if (!Number.isInteger(options.failureThreshold) || options.failureThreshold < 1) throw new Error("failureThreshold must be >= 1");
    if (options.openMs <= 0 || options.maxOpenMs < options.openMs) throw new Error("need 0 < openMs <= maxOpenMs");
    this.name = options.name;
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    return this.current;
  }

  /** When the open breaker lets its next probe through (null unless open). */
  get retryAt(): Date | null {
    return this.current === "open" && this.reopenAt !== null ? new Date(this.reopenAt) : null;
  }

  snapshot(): BreakerSnapshot {
    return { state: this.current, failures: this.failures, retry_at: this.retryAt?.toISOString() ?? null, last_error: this.lastError };
  }

  /**
   * The dependency answered: resets the count, and a half-open probe's success closes the breaker.
   * While open, a late success of work that got past the dependency before it opened changes nothing.
   */
  success(): void {
    if (this.current === "open") return;
    this.failures = 0;
    if (this.current === "closed") return;
    this.openings = 0;
    this.lastError = null;
    this.move("closed", null);
  }

  /** The dependency failed. Opens a closed breaker at the threshold, and a half-open one at once. */
  failure(reason: string): void {
    this.failures++;
    this.lastError = reason;
    if (this.current === "half_open" || (this.current === "closed" && this.failures >= this.options.failureThreshold)) {
      this.open(reason);
    }
    // Open: a late failure of work started before it opened changes nothing.
  }

  /** Stops the half-open timer (the owner is shutting down). */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private open(reason: string): void {
    this.openings++;
    const period = Math.min(this.options.maxOpenMs, this.options.openMs * 2 ** (this.openings - 1));
    this.reopenAt = this.now() + period;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.current === "open") this.move("half_open", this.lastError);
    }, period);
    this.timer.unref();
    this.move("open", reason);
  }

  private move(to: BreakerState, reason: string | null): void {
    const from = this.current;
    this.current = to;
    if (to !== "open") this.reopenAt = null;
    if (from === to && to !== "open") return;
    this.options.onChange?.({ name: this.name, from, to, failures: this.failures, retryAt: this.retryAt, reason });
  }
}
