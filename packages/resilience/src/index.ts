export { type Backoff, backoffDelay, type RetryOptions, retry, sleep } from "./backoff.ts";
export {
  type BreakerChange,
  type BreakerSnapshot,
  type BreakerState,
  CircuitBreaker,
  type CircuitBreakerOptions,
} from "./circuit-breaker.ts";
