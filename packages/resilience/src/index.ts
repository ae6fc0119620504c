export { type Backoff, backoffDelay, type RetryOptions, retry, sleep } from "./backoff.ts";
