import { LlmError, type LlmErrorCode } from "../errors.ts";

/** Provider names as people write them in messages. */
export const PROVIDER_LABELS = { openai: "OpenAI", anthropic: "Anthropic" } as const;
export type RemoteProvider = keyof typeof PROVIDER_LABELS;

/** The environment variable holding each provider's key: named in messages so people know what to fix. */
export const KEY_VARIABLES = { openai: "OPENAI_API_KEY", anthropic: "ANTHROPIC_API_KEY" } as const;

// Key-shaped strings (OpenAI sk-…/sk-proj-…, Anthropic sk-ant-…) and bearer tokens.
const KEY_SHAPES = [/sk-[A-Za-z0-9_-]{8,}/g, /(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi];

/**
 * Removes secrets from text that came from outside (a provider's or proxy's error message may
 * echo the key, masked or not): the exact keys we hold, then anything key-shaped.
 */
export function scrubSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 6) out = out.split(secret).join("[redacted]");
  for (const shape of KEY_SHAPES)
    out = out.replace(shape, (_m, bearer?: string) => (typeof bearer === "string" ? `${bearer}[redacted]` : "[redacted]"));
  return out;
}

/** Retry-After from a provider's response: `retry-after-ms` (OpenAI, Anthropic), else `retry-after` in seconds or as a date. */
export function retryAfterMs(headers: Headers | undefined, now = Date.now()): number | undefined {
  const ms = headers?.get("retry-after-ms");
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers?.get("retry-after");
  if (!value) return undefined;
  if (Number.isFinite(Number(value))) return Math.max(0, Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export type HttpFailure = {
  provider: RemoteProvider;
  /** `provider/model` the call asked for. */
  model: string;
  status: number | undefined;
  headers?: Headers | undefined;
  /** The error body's `type` (Anthropic: overloaded_error, …; OpenAI: insufficient_quota, …). */
  type?: string | null | undefined;
  /** The error body's `code` (OpenAI: invalid_api_key, insufficient_quota, …). */
  code?: string | null | undefined;
  /** The provider's own message; scrubbed and shortened before it is shown. */
  message?: string | null | undefined;
  requestId?: string | null | undefined;
  secrets: readonly string[];
};

const MAX_DETAIL_CHARS = 300;

/**
 * The one place an HTTP (or in-stream) failure of a provider becomes an LlmError with a message a
 * person can act on. The provider's own text is only included where it helps (bad requests) and
 * never for auth failures, whose text can echo part of the key.
 */
export function toLlmError(failure: HttpFailure): LlmError {
  const label = PROVIDER_LABELS[failure.provider];
  const { status, model } = failure;
  const detail = failure.message
    ? scrubSecrets(failure.message, failure.secrets).replace(/\s+/g, " ").trim().slice(0, MAX_DETAIL_CHARS)
    : "";
  const marker = `${failure.type ?? ""} ${failure.code ?? ""}`;
  const base = {
    provider: failure.provider,
    model,
    ...(status !== undefined ? { status } : {}),
    ...(failure.requestId ? { requestId: failure.requestId } : {}),
  };
  const make = (code: LlmErrorCode, message: string, extra: { retryable?: boolean; retryAfterMs?: number | undefined } = {}) =>
    new LlmError(code, message, {
      ...base,
      ...(extra.retryable !== undefined ? { retryable: extra.retryable } : {}),
      ...(extra.retryAfterMs !== undefined ? { retryAfterMs: extra.retryAfterMs } : {}),
    });
  const statusText = status ? ` (${status})` : "";

  if (status === 401 || /authentication_error|invalid_api_key/.test(marker)) {
    return make("auth_failed", `${label} rejected the API key${statusText || " (401)"}: set a valid ${KEY_VARIABLES[failure.provider]}`);
  }
  if (status === 403 || /permission_error/.test(marker)) {
    return make(
      "auth_failed",
      `${label} refused access to ${model}${statusText || " (403)"}: the API key's project or organisation may not have this model${detail ? ` (${detail})` : ""}`,
    );
  }
  if (status === 402 || /insufficient_quota|billing_error|billing_not_active/.test(marker)) {
    return make(
      "quota_exceeded",
      `${label} refused the call: the account is out of credit or over its spending limit${statusText}; add credit or raise the limit`,
    );
  }
  if (status === 404 || /not_found_error|model_not_found/.test(marker)) {
    return make(
      "unknown_model",
      `${label} does not know model ${model}${statusText || " (404)"}: check the model id (HOOK_MODEL, BODY_MODEL or the persona's models)`,
    );
  }
  if (status === 429 || /rate_limit_error/.test(marker)) {
    return make("rate_limited", `${label} rate-limited the call to ${model}${statusText || " (429)"}`, {
      retryAfterMs: retryAfterMs(failure.headers),
    });
  }
  if (status === 408) return make("timeout", `${label} timed out the request to ${model} (408)`);
  if (status === 400 || status === 413 || status === 422 || /invalid_request_error|request_too_large/.test(marker)) {
    return make("bad_request", `${label} rejected the request to ${model}${statusText}${detail ? `: ${detail}` : ""}`);
  }
  if (status === 529 || /overloaded_error/.test(marker)) {
    return make("provider_unavailable", `${label} is overloaded${statusText || " (529)"} and could not serve ${model}`, {
      retryAfterMs: retryAfterMs(failure.headers),
    });
  }
  if ((status !== undefined && status >= 500) || /api_error|server_error/.test(marker)) {
    return make(
      "provider_unavailable",
      `${label} failed to serve ${model}${statusText || " (server error)"}${detail ? `: ${detail}` : ""}`,
      {
        retryAfterMs: retryAfterMs(failure.headers),
      },
    );
  }
  return make("provider_error", `${label} failed on ${model}${statusText}${detail ? `: ${detail}` : ""}`);
}

/** Where a provider was asked, for connection messages: origin and path, never credentials in the URL. */
export function describeEndpoint(baseURL: string): string {
  try {
    const url = new URL(baseURL);
    return `${url.protocol}//${url.host}${url.pathname.replace(/\/$/, "")}`;
  } catch {
    return "(invalid base URL)";
  }
}

/** The root cause of a network failure (ECONNREFUSED, ENOTFOUND, …), not fetch's generic "fetch failed". */
export function networkCause(err: unknown): string {
  let current: unknown = err;
  let text = "";
  for (let depth = 0; current && depth < 6; depth++) {
    const e = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof e.code === "string" && /^E[A-Z]+/.test(e.code)) return e.code;
    if (typeof e.message === "string" && e.message && e.message !== "fetch failed" && e.message !== "Connection error.") text = e.message;
    current = e.cause;
  }
  return text || "connection failed";
}
