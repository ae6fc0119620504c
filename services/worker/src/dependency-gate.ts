import { IllegalTransition, type Lifecycle } from "@threads-agent/db";
import { type Logger, type Metrics, ReadinessFailure, startAtZero } from "@threads-agent/observability";
import { type BreakerChange, type BreakerSnapshot, type BreakerState, backoffDelay, CircuitBreaker } from "@threads-agent/resilience";

/** The downstream dependencies a content task needs, each behind a circuit breaker of its own. */
export const DEPENDENCIES = ["persona-runtime", "threads", "model-providers"] as const;
export type Dependency = (typeof DEPENDENCIES)[number];

/**
 * Which dependency an attempt's error code says is down. Only outages: a rejected request, an
 * expired token or a guardrail block is the task's own problem and fails or retries as before.
 * The model providers' codes come through persona-runtime's error frames (`llm_<code>`), after its
 * own retries and fallback provider, so one means every configured provider failed.
 */
const DEPENDENCY_OF_CODE: Readonly<Record<string, Dependency>> = {
  persona_runtime_unavailable: "persona-runtime",
  persona_runtime_error: "persona-runtime",
  threads_unavailable: "threads",
  threads_rate_limited: "threads",
  llm_provider_unavailable: "model-providers",
  llm_provider_error: "model-providers",
  llm_timeout: "model-providers",
  llm_rate_limited: "model-providers",
};

export function dependencyOf(code: string): Dependency | null {
  return DEPENDENCY_OF_CODE[code] ?? null;
}

/** What a finished attempt proves about the dependencies it used (it got that far). */
const PROVEN: Readonly<Record<string, readonly Dependency[]>> = {
  succeeded: DEPENDENCIES,
  blocked: ["persona-runtime", "model-providers"],
};

/** The part of a BullMQ worker the gate steers. */
export type QueueConsumer = {
  pause(doNotWaitActive?: boolean): Promise<void>;
  resume(): void | Promise<void>;
  concurrency: number;
};

export type DependencyGateOptions = {
  failureThreshold: number;
  openMs: number;
  maxOpenMs: number;
  /** How long a task may wait for its dependencies (from its first failure) before it fails; 0: it never waits. */
  outageBudgetMs: number;
  /** The consumer's concurrency when every breaker is closed. */
  concurrency: number;
  logger: Logger;
  metrics: Metrics;
  now?: () => number;
};

const STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * The worker's circuit breakers, one per dependency, and what they do to the queue consumer: any
 * open breaker pauses it (jobs stay waiting with their attempts intact, in-flight ones finish or
 * wait), a half-open one lets one probe job through (concurrency 1), and when every breaker is
 * closed again the configured concurrency comes back. Breakers are per process: each replica
 * finds out for itself, within `failureThreshold` failures.
 */
export class DependencyGate {
  readonly breakers: ReadonlyMap<Dependency, CircuitBreaker>;
  readonly outageBudgetMs: number;
  private readonly options: DependencyGateOptions;
  private consumer: QueueConsumer | null = null;
  /** Serialises pause/resume so they apply in the order the breakers changed. */
  private steering: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly transitions;

  constructor(options: DependencyGateOptions) {
    this.options = options;
    this.outageBudgetMs = options.outageBudgetMs;
    const state = options.metrics.gauge(
      "dependency_breaker_state",
      "Circuit breaker of each downstream dependency: 0 closed, 1 half-open (one probe), 2 open (the worker takes no jobs)",
      ["dependency"],
    );
    this.transitions = options.metrics.counter(
      "dependency_breaker_transitions_total",
      "Circuit breaker state changes, by dependency and new state",
      ["dependency", "to"],
    );
    startAtZero(this.transitions, { dependency: DEPENDENCIES, to: ["open", "half_open", "closed"] });
    const breakers = new Map<Dependency, CircuitBreaker>();
    for (const dependency of DEPENDENCIES) {
      state.set({ dependency }, 0);
      breakers.set(
        dependency,
        new CircuitBreaker({
          name: dependency,
          failureThreshold: options.failureThreshold,
          openMs: options.openMs,
          maxOpenMs: options.maxOpenMs,
          ...(options.now ? { now: options.now } : {}),
          onChange: (change) => {
            state.set({ dependency }, STATE_VALUE[change.to]);
            this.transitions.inc({ dependency, to: change.to });
            this.changed(change);
          },
        }),
      );
    }
    this.breakers = breakers;
  }

  /** Whether tasks wait for their dependencies at all (OUTAGE_BUDGET_MS > 0). */
  get waits(): boolean {
    return this.outageBudgetMs > 0;
  }

  /** The consumer to pause and resume (the BullMQ worker, once built). */
  attach(consumer: QueueConsumer): void {
    this.consumer = consumer;
  }

  /** The attempt ended with this outcome: the dependencies it proves healthy close their breakers. */
  succeeded(outcome: string): void {
    for (const dependency of PROVEN[outcome] ?? []) this.breaker(dependency).success();
  }

  /** An attempt failed on `dependency`; the ones before it in the pipeline answered. */
  failed(dependency: Dependency, reason: string): void {
    if (dependency === "model-providers" || dependency === "threads") this.breaker("persona-runtime").success();
    this.breaker(dependency).failure(reason);
  }

  /**
   * When a task that failed on `dependency` tries again: the breaker's next probe while it is open,
   * else a backoff that grows with the task's waits in this outage (`waits` from 1).
   */
  retryAt(dependency: Dependency, waits: number, baseMs: number): Date {
    const now = (this.options.now ?? Date.now)();
    const probe = this.breaker(dependency).retryAt;
    const backoff = now + backoffDelay(waits, { baseMs: Math.max(baseMs, 100), maxMs: this.options.maxOpenMs, jitter: "equal" });
    return probe && probe.getTime() > now ? probe : new Date(backoff);
  }

  /** Every breaker that is not closed, for /ready and logs. */
  unavailable(): Partial<Record<Dependency, BreakerSnapshot>> {
    const out: Partial<Record<Dependency, BreakerSnapshot>> = {};
    for (const [dependency, breaker] of this.breakers) if (breaker.state !== "closed") out[dependency] = breaker.snapshot();
    return out;
  }

  /** The readiness checks: one per dependency, failing while its breaker is open. */
  readinessChecks() {
    return DEPENDENCIES.map((dependency) => ({
      name: dependency,
      check: async () => {
        const breaker = this.breaker(dependency);
        // Our own words, safe to show in /ready (other errors show there only as "unavailable").
        if (breaker.state === "open") throw new ReadinessFailure(`circuit open until ${breaker.retryAt?.toISOString()}`);
      },
    }));
  }

  /** Stops the breakers' timers and steers nothing more (shutting down). */
  close(): void {
    this.closed = true;
    for (const breaker of this.breakers.values()) breaker.dispose();
  }

  private breaker(dependency: Dependency): CircuitBreaker {
    return this.breakers.get(dependency) as CircuitBreaker;
  }

  private changed(change: BreakerChange): void {
    const log = this.options.logger;
    const fields = { dependency: change.name, from: change.from, to: change.to, failures: change.failures, reason: change.reason };
    if (change.to === "open") log.warn({ ...fields, retry_at: change.retryAt?.toISOString() }, "circuit breaker open: taking no jobs");
    else if (change.to === "half_open") log.info(fields, "circuit breaker half-open: one probe job");
    else log.info(fields, "circuit breaker closed: taking jobs again");
    this.steer();
  }

  /** Applies the breakers' states to the consumer: any open pauses it, any half-open lets one job through. */
  private steer(): void {
    const states = [...this.breakers.values()].map((b) => b.state);
    this.steering = this.steering
      .then(async () => {
        const consumer = this.consumer;
        if (!consumer || this.closed) return;
        if (states.includes("open")) {
          // Without waiting for the jobs in flight: they finish, or wait for the dependency themselves.
          await consumer.pause(true);
          return;
        }
        consumer.concurrency = states.includes("half_open") ? 1 : this.options.concurrency;
        await consumer.resume();
      })
      .catch((err: unknown) => this.options.logger.error({ err }, "could not pause or resume the queue consumer"));
  }
}

/**
 * The task waits for its dependency: running → deferred with `task.waiting` (its viewers are told
 * why and when it tries again), `deferred_until` so the reconciler re-creates its delayed job if
 * Redis loses it. False when the task has moved on (a cancel): nothing to wait for.
 */
export async function waitForDependency(
  lifecycle: Lifecycle,
  taskId: string,
  wait: { dependency: Dependency; reason: string; retryAt: Date },
): Promise<boolean> {
  try {
    await lifecycle.task({
      id: taskId,
      to: "deferred",
      from: ["running"],
      set: { deferred_until: wait.retryAt },
      event: { type: "task.waiting", dependency: wait.dependency, reason: wait.reason, retry_at: wait.retryAt.toISOString() },
    });
    return true;
  } catch (err) {
    if (err instanceof IllegalTransition) return false;
    throw err;
  }
}
