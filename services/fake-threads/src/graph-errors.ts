import { randomBytes } from "node:crypto";
import type { GraphErrorBody } from "@threads-agent/contracts";

/**
 * An error answered in the Graph envelope `{"error": {message, type, code, error_subcode,
 * fbtrace_id, ...}}`. Graph answers almost every error with HTTP 400, token errors included; the
 * codes and messages below are the ones Meta documents (docs/threads-api.md lists their sources).
 */
export class GraphError extends Error {
  readonly status: number;
  readonly body: Omit<GraphErrorBody, "fbtrace_id">;
  readonly headers: Record<string, string>;

  constructor(status: number, body: Omit<GraphErrorBody, "fbtrace_id">, headers: Record<string, string> = {}) {
    super(body.message);
    this.name = "GraphError";
    this.status = status;
    this.body = body;
    this.headers = headers;
  }

  envelope(): { error: GraphErrorBody } {
    return { error: { ...this.body, fbtrace_id: randomBytes(16).toString("base64url").slice(0, 22) } };
  }
}

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const two = (n: number) => String(n).padStart(2, "0");

/** Graph's date style in token errors: "Tuesday, 05-Jul-22 10:00:00 UTC". */
const graphDate = (ms: number) => {
  const d = new Date(ms);
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
  return `${WEEKDAYS[d.getUTCDay()]}, ${two(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${two(d.getUTCFullYear() % 100)} ${time} UTC`;
};

// Graph names the token problem in WWW-Authenticate too.
const tokenHeaders = (message: string) => ({ "www-authenticate": `OAuth "Facebook Platform" "invalid_token" "${message}"` });

export const tokenMissing = () => {
  const message = "An access token is required to request this resource.";
  return new GraphError(400, { message, type: "OAuthException", code: 190 }, tokenHeaders(message));
};

export const tokenInvalid = () => {
  const message = "Invalid OAuth access token - Cannot parse access token";
  return new GraphError(400, { message, type: "OAuthException", code: 190 }, tokenHeaders(message));
};

export const tokenExpired = (expiredAt: number, now: number) => {
  const message = `Error validating access token: Session has expired on ${graphDate(expiredAt)}. The current time is ${graphDate(now)}.`;
  return new GraphError(400, { message, type: "OAuthException", code: 190, error_subcode: 463 }, tokenHeaders(message));
};

export const tokenRevoked = () => {
  const message =
    "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.";
  return new GraphError(400, { message, type: "OAuthException", code: 190, error_subcode: 460 }, tokenHeaders(message));
};

/** Code 100, the invalid-parameter family: bad or missing params, unknown fields and edges. */
export const invalidParameter = (message: string, subcode?: number) =>
  new GraphError(400, { message: `(#100) ${message}`, type: "OAuthException", code: 100, ...(subcode ? { error_subcode: subcode } : {}) });

/** Graph's answer for an id that does not exist, or is not the caller's to see. */
export const unsupportedRequest = (method: "get" | "post" | "delete", id: string) =>
  new GraphError(400, {
    message: `Unsupported ${method} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
    type: "GraphMethodException",
    code: 100,
    error_subcode: 33,
  });

export const unknownPath = (path: string) =>
  new GraphError(400, { message: `Unknown path components: ${path}`, type: "OAuthException", code: 100 });

/** threads_publish of a container that cannot be published (unknown, not ready, failed, expired or already published). */
export const mediaNotFound = (id: string, why: string) =>
  new GraphError(400, {
    message: "The requested resource does not exist",
    type: "OAuthException",
    code: 24,
    error_subcode: 4279009,
    is_transient: false,
    error_user_title: "Media Not Found",
    error_user_msg: `The media with id ${id} cannot be found. ${why}`,
  });

/** threads_publish beyond the account's 250 posts per rolling 24 h. */
export const publishingLimitReached = (total: number) =>
  new GraphError(400, {
    message: "Application request limit reached",
    type: "OAuthException",
    code: 9,
    error_subcode: 2207042,
    is_transient: false,
    error_user_title: "Reached publishing limit",
    error_user_msg: `You reached maximum number of posts that is allowed to be published by API (${total} in 24 hours). Try again later.`,
  });

/** What a fault rule answers when it names only an HTTP status or only a Graph code. */
export function injectedError(options: {
  status?: number | undefined;
  code?: number | undefined;
  subcode?: number | undefined;
  message?: string | undefined;
}) {
  const byCode: Record<number, { status: number; message: string; type: string; transient?: boolean }> = {
    1: { status: 500, message: "An unknown error occurred", type: "OAuthException", transient: true },
    2: {
      status: 503,
      message: "An unexpected error has occurred. Please retry your request later.",
      type: "OAuthException",
      transient: true,
    },
    4: { status: 400, message: "Application request limit reached", type: "OAuthException", transient: true },
    9: { status: 400, message: "Application request limit reached", type: "OAuthException" },
    17: { status: 400, message: "User request limit reached", type: "OAuthException", transient: true },
    32: { status: 400, message: "Page request limit reached", type: "OAuthException", transient: true },
    100: { status: 400, message: "(#100) Invalid parameter", type: "OAuthException" },
    190: { status: 400, message: "Invalid OAuth access token - Cannot parse access token", type: "OAuthException" },
    613: { status: 400, message: "Calls to this api have exceeded the rate limit.", type: "OAuthException", transient: true },
  };
  const byStatus: Record<number, number> = { 400: 100, 401: 190, 403: 10, 429: 4, 500: 1, 502: 2, 503: 2, 504: 2 };
  const code = options.code ?? byStatus[options.status ?? 503] ?? (options.status && options.status >= 500 ? 1 : 100);
  const known = byCode[code];
  const status = options.status ?? known?.status ?? 400;
  return new GraphError(status, {
    message: options.message ?? known?.message ?? `Injected Graph error ${code}`,
    type: known?.type ?? "OAuthException",
    code,
    ...(options.subcode ? { error_subcode: options.subcode } : {}),
    ...(known?.transient ? { is_transient: true } : {}),
  });
}
