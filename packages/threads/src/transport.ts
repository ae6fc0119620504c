import { GraphErrorEnvelope } from "@threads-agent/contracts";
import { type Dispatcher, Pool } from "undici";
import type { z } from "zod";
import { adviceFor, kindOf, redact, ThreadsApiError } from "./errors.ts";

export type Call = {
  method: "GET" | "POST";
  /** Path under the versioned API root (`/me/threads`), or under the host root when `root` is set. */
  path: string;
  /** How the call is named in errors: `POST /{user-id}/threads_publish`. */
  endpoint: string;
  query?: Record<string, string | undefined>;
  form?: Record<string, string | undefined>;
  /** Sent as `Authorization: Bearer`; null for calls that carry their token as a parameter (refresh). */
  token: string | null;
  /** Secrets that must not appear in any error this call produces. */
  secrets: readonly string[];
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** The host root instead of the versioned API root (the token refresh lives there). */
  root?: boolean;
  /** A publish: once sent, a lost answer means the outcome is unknown. */
  effectful?: boolean;
};

// Errors raised before any byte of the request reached Threads: safe to call again, even a publish.
const NOT_SENT = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_CLOSED",
  "UND_ERR_DESTROYED",
]);

const codeOf = (err: unknown): string | undefined => {
  const e = err as { code?: unknown; cause?: { code?: unknown } } | undefined;
  return typeof e?.code === "string" ? e.code : typeof e?.cause?.code === "string" ? e.cause.code : undefined;
};
const isTimeout = (err: unknown) => {
  const name = (err as { name?: unknown } | undefined)?.name;
  const code = codeOf(err);
  return name === "TimeoutError" || code === "UND_ERR_HEADERS_TIMEOUT" || code === "UND_ERR_BODY_TIMEOUT";
};

/**
 * HTTP to the Threads API over one keep-alive connection pool (undici): a bare `fetch` per call
 * costs about 3x the client CPU. Parses answers with the contracts' zod schemas and turns every
 * failure into a ThreadsApiError with the tokens taken out.
 */
export class Transport {
  readonly #dispatcher: Dispatcher;
  readonly #owned: boolean;
  readonly #apiPath: string;
  readonly #rootPath: string;
  readonly origin: string;

  constructor(options: { apiUrl: string; dispatcher?: Dispatcher | undefined; connections?: number | undefined }) {
    const url = new URL(options.apiUrl);
    this.origin = url.origin;
    this.#apiPath = url.pathname.replace(/\/+$/, "");
    // The host root is the API root without its version segment (graph.threads.net/v1.0 -> graph.threads.net).
    this.#rootPath = this.#apiPath.replace(/\/v\d+(?:\.\d+)?$/, "");
    this.#owned = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ??
      new Pool(this.origin, {
        connections: options.connections ?? 8,
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 600_000,
        connect: { timeout: 10_000 },
      });
  }

  async close(): Promise<void> {
    if (this.#owned) await this.#dispatcher.close();
  }

  async call<T extends z.ZodType>(call: Call, schema: T): Promise<z.output<T>> {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(call.query ?? {})) if (v !== undefined) query.set(k, v);
    const path = `${call.root ? this.#rootPath : this.#apiPath}${call.path}${query.size ? `?${query}` : ""}`;
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(call.form ?? {})) if (v !== undefined) form.set(k, v);
    const headers: Record<string, string> = { accept: "application/json" };
    if (call.token) headers.authorization = `Bearer ${call.token}`;
    if (call.method === "POST") headers["content-type"] = "application/x-www-form-urlencoded";
    const timeout = AbortSignal.timeout(call.timeoutMs);
    const signal = call.signal ? AbortSignal.any([timeout, call.signal]) : timeout;

    let status: number;
    let text: string;
    try {
      const res = await this.#dispatcher.request({
        origin: this.origin,
        method: call.method,
        path,
        headers,
        ...(call.method === "POST" ? { body: form.toString() } : {}),
        signal,
        headersTimeout: call.timeoutMs,
        bodyTimeout: call.timeoutMs,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (err) {
      throw this.#transportError(call, err);
    }

    let body: unknown;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = undefined;
    }
    if (status >= 200 && status < 300) {
      const parsed = schema.safeParse(body);
      if (parsed.success) return parsed.data;
      throw new ThreadsApiError({
        kind: call.effectful ? "unknown_outcome" : "unavailable",
        status,
        endpoint: call.endpoint,
        message: redact(
          `Threads answered ${call.endpoint} with HTTP ${status} but not in the documented shape: ${text.slice(0, 200)}`,
          call.secrets,
        ),
      });
    }
    const envelope = GraphErrorEnvelope.safeParse(body);
    const graph = envelope.success ? envelope.data.error : null;
    let kind = kindOf(status, graph);
    // A publish that failed on Threads' side may still have happened (Graph gives no atomicity promise).
    if (call.effectful && kind === "unavailable") kind = "unknown_outcome";
    const what = graph
      ? `code ${graph.code}${graph.error_subcode ? `/${graph.error_subcode}` : ""}: ${graph.error_user_msg ?? graph.message}`
      : text.slice(0, 200) || "no body";
    throw new ThreadsApiError({
      kind,
      status,
      graph,
      endpoint: call.endpoint,
      message: redact(`Threads refused ${call.endpoint} (HTTP ${status}, ${what}). ${adviceFor(kind, graph)}`, call.secrets),
    });
  }

  #transportError(call: Call, err: unknown): ThreadsApiError {
    const code = codeOf(err);
    const sent = !(code && NOT_SENT.has(code));
    const kind = call.effectful && sent ? "unknown_outcome" : "unavailable";
    const reason = isTimeout(err)
      ? `no answer within ${call.timeoutMs} ms`
      : `${code ?? (err as Error)?.name ?? "error"}: ${(err as Error)?.message ?? String(err)}`;
    // The cause is rebuilt from redacted text: an undici error may quote the request.
    const cause = Object.assign(new Error(redact((err as Error)?.message ?? String(err), call.secrets)), {
      name: (err as Error)?.name,
      code,
    });
    return new ThreadsApiError({
      kind,
      endpoint: call.endpoint,
      message: redact(`Threads API at ${this.origin} failed for ${call.endpoint} (${reason}). ${adviceFor(kind, null)}`, call.secrets),
      cause,
    });
  }
}
