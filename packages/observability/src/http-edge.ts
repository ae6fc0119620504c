// What every HTTP server of the platform answers before (or instead of) its routes: requests
// Node's HTTP parser refuses, bodies over the limit. It lives here, the lowest package that both the
// Fastify services (through @threads-agent/http) and the ops servers of the worker and the
// agent-launcher (startOpsServer) build on.
import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

export const PROBLEM_TYPE_BASE = "https://threads-agent.dev/problems/";

type ParserError = Error & { code?: string; rawPacket?: unknown };

/** What a parser-level error becomes: status, problem type slug, and a detail safe to show. */
function classify(err: ParserError): { status: number; slug: string; detail: string } {
  switch (err.code) {
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return { status: 408, slug: "request-timeout", detail: "The request was not received in time" };
    case "HPE_HEADER_OVERFLOW":
      return { status: 431, slug: "headers-too-large", detail: "The request's headers are larger than 16 KB" };
    case "HPE_INVALID_METHOD":
      // RFC 9110 suggests 501 for an unknown method; that would count as a server fault, and it is the client's.
      return { status: 400, slug: "bad-method", detail: "The request method is not one HTTP defines" };
    case "HPE_INVALID_TRANSFER_ENCODING":
    case "HPE_INVALID_CHUNK_SIZE":
    case "HPE_UNEXPECTED_CONTENT_LENGTH":
    case "HPE_INVALID_CONTENT_LENGTH":
      return { status: 400, slug: "bad-request", detail: "The request's body framing (Content-Length or chunked encoding) is not valid" };
    case "HPE_INVALID_URL":
      return { status: 400, slug: "bad-url", detail: "The request line's URL is not valid" };
    case "HPE_INVALID_VERSION":
      return { status: 505, slug: "http-version", detail: "Only HTTP/1.0 and HTTP/1.1 are served" };
    default:
      return { status: 400, slug: "bad-request", detail: "The request is not valid HTTP" };
  }
}

/**
 * The method of the request the parser failed on, from the bytes it was parsing. The packet is
 * the chunk the error happened in, which on a kept-alive connection may begin with the end of the
 * previous request's body: the last request line before the error position is this request's.
 */
function requestMethodIn(rawPacket: unknown, bytesParsed: unknown): string | null {
  if (!Buffer.isBuffer(rawPacket)) return null;
  const at = typeof bytesParsed === "number" ? bytesParsed : rawPacket.length;
  const text = rawPacket.toString("latin1");
  let method: string | null = null;
  for (const match of text.matchAll(/(?:^|\n)([A-Z]{3,10}) (?:\/|\*|https?:)/g)) {
    // The last request line starting before the error, or else the first one (an error in the line itself).
    if (match.index > at && method !== null) break;
    method = match[1] ?? null;
  }
  return method;
}

/**
 * Node's `clientError` for every server: requests its HTTP parser refuses (an unknown method,
 * headers over 16 KB, broken chunked encoding, a request that took too long) are answered as
 * problem+json, with no body to a HEAD, and the connection closed. (Fastify's default answers
 * plain JSON, and a body even to HEAD.)
 */
export function answerClientError(err: Error, socket: Duplex): void {
  const { code, rawPacket } = err as ParserError;
  // A reset connection has nobody to answer.
  if (code === "ECONNRESET" || socket.destroyed) return;
  let { status, slug, detail } = classify(err as ParserError);
  // Never answer with a 5xx to something the client sent: an unknown version is still a bad request.
  if (status >= 500) status = 400;
  const method = requestMethodIn(rawPacket, (err as { bytesParsed?: unknown }).bytesParsed);
  // Without the method in sight a body might follow a HEAD's answer, which breaks the client: none then.
  const hidden = method === null && code === "HPE_HEADER_OVERFLOW";
  const bodyless = method === "HEAD" || hidden;
  const body = JSON.stringify({ type: PROBLEM_TYPE_BASE + slug, title: STATUS_CODES[status] ?? "Bad request", status, detail });
  if (socket.writable) {
    const head = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}`,
      "Content-Type: application/problem+json; charset=utf-8",
      `Content-Length: ${hidden ? 0 : Buffer.byteLength(body)}`,
      "Connection: close",
    ].join("\r\n");
    socket.end(`${head}\r\n\r\n${bodyless ? "" : body}`);
  }
  socket.destroy();
}

/** A body larger than this is not read to its end after a 413: the connection is closed instead. */
export const DRAIN_MAX_BYTES = 64 * 1024 * 1024;

/**
 * After a 413, reads the rest of the body and throws it away, so the client (which sends its body
 * before reading the answer) gets to read the 413 instead of a connection reset: closing a socket
 * with unread data makes the kernel answer with RST, which can discard the 413 on the client's
 * side. Bounded: a body declared or found larger than DRAIN_MAX_BYTES is cut off (requestTimeout
 * bounds the time).
 */
export function drainOversizedBody(request: FastifyRequest, reply: FastifyReply): void {
  const declared = Number(request.headers["content-length"]);
  if (Number.isFinite(declared) && declared > DRAIN_MAX_BYTES) return; // Fastify's `connection: close` stays
  const raw = request.raw;
  if (raw.complete) return;
  reply.removeHeader("connection");
  let seen = 0;
  raw.on("data", (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > DRAIN_MAX_BYTES) raw.socket.destroy();
  });
  raw.resume();
}

/** One route as registered: its methods and full URL pattern (`/v1/tasks/:id`). */
export type RouteEntry = { methods: string[]; url: string };

const ROUTES = new WeakMap<object, RouteEntry[]>();

/**
 * Keeps the list of every route registered on `app` from now on (in every plugin context), for
 * tools that must cover all of them (the hostile-input suite). Call it before the routes are added.
 */
export function recordRoutes(app: FastifyInstance): void {
  if (ROUTES.has(app.server)) return; // already recording (it is called wherever a service may start registering routes)
  const list: RouteEntry[] = [];
  ROUTES.set(app.server, list);
  app.addHook("onRoute", (route) => {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).map(String);
    const known = list.find((r) => r.url === route.url);
    if (known) known.methods = [...new Set([...known.methods, ...methods])];
    else list.push({ methods, url: route.url });
  });
}

/** The routes recordRoutes saw on this app's server, one entry per URL with all its methods. */
export function routesOf(app: { server: object }): RouteEntry[] {
  return (ROUTES.get(app.server) ?? []).map((r) => ({ ...r, methods: [...r.methods] }));
}

/** The request head (request line and headers) a server accepts; more is a 431. */
export const HEADER_LIMIT_BYTES = 16 * 1024;
/**
 * What Node's parser itself accepts (its maxHeaderSize). Above HEADER_LIMIT_BYTES so that heads
 * between the two reach the app, which knows their method (a HEAD's 431 carries no body) and
 * answers with problem+json; only heads past this one are refused by the parser (answerClientError).
 * Node reads at most 64 KB at a time, and its parser error shows only the read it failed in, so
 * past this limit the method is often out of sight: such a 431 then has an empty body (right for a
 * HEAD and valid for any method). 256 KB keeps that to heads no client sends by mistake.
 */
export const PARSER_HEADER_LIMIT_BYTES = 256 * 1024;

/** The size of a request's head as it came on the wire (request line, header lines). */
export function requestHeadBytes(raw: { method?: string | undefined; url?: string | undefined; rawHeaders: string[] }): number {
  let size = (raw.method?.length ?? 0) + (raw.url?.length ?? 0) + 12;
  for (let i = 0; i + 1 < raw.rawHeaders.length; i += 2)
    size += Buffer.byteLength(raw.rawHeaders[i] ?? "") + Buffer.byteLength(raw.rawHeaders[i + 1] ?? "") + 4;
  return size;
}

/** The 431 of a request whose head is over HEADER_LIMIT_BYTES, as an onRequest hook (first of all). */
export function refuseLargeHeads(app: FastifyInstance): void {
  app.addHook("onRequest", async (request, reply) => {
    if (requestHeadBytes(request.raw) <= HEADER_LIMIT_BYTES) return;
    return reply
      .code(431)
      .header("connection", "close")
      .type("application/problem+json")
      .send({
        type: `${PROBLEM_TYPE_BASE}headers-too-large`,
        title: "Request header fields too large",
        status: 431,
        detail: "The request's headers are larger than 16 KB",
      });
  });
}
