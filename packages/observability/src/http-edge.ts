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
  const isHead = Buffer.isBuffer(rawPacket) && rawPacket.subarray(0, 5).toString("latin1") === "HEAD ";
  const body = JSON.stringify({ type: PROBLEM_TYPE_BASE + slug, title: STATUS_CODES[status] ?? "Bad request", status, detail });
  if (socket.writable) {
    const head = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}`,
      "Content-Type: application/problem+json; charset=utf-8",
      `Content-Length: ${Buffer.byteLength(body)}`,
      "Connection: close",
    ].join("\r\n");
    socket.end(`${head}\r\n\r\n${isHead ? "" : body}`);
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
