import type { ContainerStatusName, GraphErrorBody } from "@threads-agent/contracts";

/**
 * What a caller should do about a failed call:
 * - `token`: the access token is expired, revoked or invalid (code 190): refresh it or link the account again.
 * - `rate_limited`: too many calls (codes 4, 17, 32, 613, HTTP 429) or the account's 24 h publishing
 *   quota is used up (code 9 / subcode 2207042, see `quotaExhausted`): wait, do not fail the work.
 * - `invalid`: Threads refused the request itself (code 100 and the like, a container that failed
 *   or expired): retrying the same request will not help.
 * - `unavailable`: 5xx, network errors, timeouts: transient, retry with backoff.
 * - `unknown_outcome`: a publish was sent but its answer was lost (timeout or connection reset
 *   after sending, a 5xx): the post may or may not exist; ask Threads before publishing again.
 */
export type ThreadsErrorKind = "token" | "rate_limited" | "invalid" | "unavailable" | "unknown_outcome";

const RATE_LIMIT_CODES = new Set([4, 17, 32, 613]);
// 190 is Graph's token error; 102 (session key) and 104 (no token) are its older siblings.
const TOKEN_CODES = new Set([102, 104, 190]);
const PUBLISH_QUOTA = { code: 9, subcode: 2207042 };

export type ContainerFailure = { id: string; status: ContainerStatusName; errorMessage: string | null };

/** The one error the client throws. Never carries an access token, in its message or anywhere else. */
export class ThreadsApiError extends Error {
  readonly kind: ThreadsErrorKind;
  /** HTTP status, or null when no answer came (network, timeout) or the client refused first. */
  readonly status: number | null;
  /** Graph error code and subcode, type and trace id, when Threads answered with its error envelope. */
  readonly code: number | null;
  readonly subcode: number | null;
  readonly type: string | null;
  readonly fbtrace_id: string | null;
  /** The call, e.g. `POST /{user-id}/threads_publish`. */
  readonly endpoint: string;
  /** For a container that failed processing, expired, or did not finish in time. */
  readonly container: ContainerFailure | null;

  constructor(options: {
    kind: ThreadsErrorKind;
    message: string;
    endpoint: string;
    status?: number | null;
    graph?: GraphErrorBody | null;
    container?: ContainerFailure | null;
    cause?: unknown;
  }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ThreadsApiError";
    this.kind = options.kind;
    this.endpoint = options.endpoint;
    this.status = options.status ?? null;
    this.code = options.graph?.code ?? null;
    this.subcode = options.graph?.error_subcode ?? null;
    this.type = options.graph?.type ?? null;
    this.fbtrace_id = options.graph?.fbtrace_id ?? null;
    this.container = options.container ?? null;
  }

  /** Worth retrying later with the same request (after a refresh for `token`, after a wait for `rate_limited`). */
  get transient(): boolean {
    return this.kind === "unavailable" || this.kind === "rate_limited";
  }

  /** The account's 250-posts-per-24-h publishing quota is used up: defer, `publishingLimit()` tells when. */
  get quotaExhausted(): boolean {
    return this.code === PUBLISH_QUOTA.code && (this.subcode === null || this.subcode === PUBLISH_QUOTA.subcode);
  }
}

/** The kind of a Graph error answer. */
export function kindOf(status: number, graph: GraphErrorBody | null): ThreadsErrorKind {
  const code = graph?.code;
  if ((code !== undefined && TOKEN_CODES.has(code)) || status === 401) return "token";
  if ((code !== undefined && (RATE_LIMIT_CODES.has(code) || code === PUBLISH_QUOTA.code)) || status === 429) return "rate_limited";
  if (status >= 500 || code === 1 || code === 2 || graph?.is_transient === true) return "unavailable";
  return "invalid";
}

/** A sentence a person can act on, for each kind. */
export function adviceFor(kind: ThreadsErrorKind, graph: GraphErrorBody | null): string {
  if (kind === "token")
    return "The Threads access token is expired, revoked or invalid: refresh it before it expires, or link the Threads account again.";
  if (kind === "rate_limited" && graph?.code === PUBLISH_QUOTA.code)
    return "The account's publishing limit (250 posts per rolling 24 h) is reached: defer the post until publishingLimit() shows room.";
  if (kind === "rate_limited") return "Threads is rate limiting these calls: slow down and retry later.";
  if (kind === "unavailable") return "Threads is unavailable or did not answer in time: retry with backoff.";
  if (kind === "unknown_outcome")
    return "The post may or may not have been published: check the container's status (and the account's recent threads) before publishing again; never publish the container twice.";
  return "Threads refused the request; retrying it unchanged will not help.";
}

const SECRET_QUERY = /(access_token|input_token|client_secret)=[^&\s"'#]*/gi;

/** Removes tokens from text that may echo a URL or a request: `access_token=` values and every known token. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text.replace(SECRET_QUERY, "$1=[redacted]");
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  return out;
}
