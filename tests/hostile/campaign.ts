// The hostile-input campaign: seeded, property-based (fast-check) requests over every route of every
// service, sent over real HTTP, each answer checked against what the platform promises for any
// input: never a 5xx, every error problem+json (the Graph API stand-in answers Graph errors), no
// stack trace or internal text in any body, and every service still answering afterwards.
import http from "node:http";
import type { RouteEntry } from "@threads-agent/observability";
import fc from "fast-check";

/** A service under attack: where it listens, its routes (read from the app, so new routes are covered), and hints for deeper requests. */
export type Target = {
  service: string;
  baseUrl: string;
  routes: RouteEntry[];
  /** Valid bodies by `METHOD /url/pattern`, mutated field by field (routes without one get random bodies). */
  seeds?: Record<string, Record<string, unknown>>;
  /** Values that exist for path parameters (`id` → a task id, a persona id), so requests reach past the 404. */
  params?: Record<string, string[]>;
  /** Headers most requests carry (an API key); left out now and then. */
  headers?: Record<string, string>;
  /** The error shape of a path: problem+json, or the Graph API's `{error: {...}}` for the Threads stand-in. */
  errorShape?: (path: string) => "problem" | "graph";
  /** Routes not to call (none by default). */
  skip?: (route: RouteEntry) => boolean;
};

export type HostileRequest = {
  target: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | null;
  /** What the request is, for reports: the route it aimed at. */
  aim: string;
};

export type Finding = {
  service: string;
  method: string;
  path: string;
  status: number | string;
  problem: string;
  body: string;
  /** What else the request carried, to send it again. */
  headers?: Record<string, string>;
  bodyBytes?: number;
  bodyStart?: string;
  pathBytes?: number;
  /** Its place in the campaign (the same seed sends the same requests). */
  index?: number;
};

export type CampaignResult = {
  requests: number;
  byClass: Record<string, number>;
  byService: Record<string, Record<string, number>>;
  findings: Finding[];
  seconds: number;
};

const STATUS_CLASSES = ["2xx", "3xx", "4xx", "5xx", "no answer"] as const;
const REQUEST_TIMEOUT_MS = 15_000;

// ---------------------------------------------------------------------------------------------
// Generators

const utf16 = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const latin1 = fc
  .integer({ min: 0x20, max: 0xff })
  .filter((c) => c !== 0x7f)
  .map((c) => String.fromCharCode(c));

const NASTY_STRINGS = [
  "a\u0000b",
  "\u0000",
  "a\ud800b",
  "\udfff",
  "\ud83d",
  "",
  " ",
  "\t\n\r",
  "../../etc/passwd",
  "a/../../etc/passwd",
  "file:///etc",
  "%00",
  "%zz",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a log4shell probe, literally
  "${jndi:ldap://127.0.0.1/x}",
  "<script>alert(1)</script>",
  "'; DROP TABLE tasks; --",
  "\r\nX-Injected: 1",
  "null",
  "undefined",
  "0",
  "-1",
  "1e309",
  "NaN",
  "__proto__",
  "constructor",
  "01900000-0000-7000-8000-000000000123",
  "00000000-0000-0000-0000-000000000000",
  "99999999999999999999-0",
  "18446744073709551615-18446744073709551615",
  "18446744073709551616-0",
  "1-0",
  "0-0",
  "9999999999999-0",
  "ai-jesus",
  "openai/gpt-4o-mini",
  "x".repeat(300),
  "😀".repeat(40),
  "\u202e\u200b\ufeff",
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: utf16, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 30 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 20_000 }).map((n) => "y".repeat(n)) },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom("\u0000", "\ud800", "\udc00")).map(([s, c]) => s + c + s),
  },
);

const hostileValue: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { weight: 6, arbitrary: hostileString },
    { weight: 2, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.constantFrom(0, -0, -1, 1.5, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 64) },
    { weight: 1, arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }) },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.array(tie("value"), { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.dictionary(hostileString, tie("value"), { maxKeys: 4 }) },
  ),
})).value;

/** A valid body with one thing wrong with it (or everything). */
function mutatedBody(seed: Record<string, unknown>): fc.Arbitrary<unknown> {
  const keys = Object.keys(seed);
  const key = keys.length ? fc.constantFrom(...keys) : fc.constant("x");
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(seed) },
    { weight: 6, arbitrary: fc.tuple(key, hostileValue).map(([k, v]) => ({ ...seed, [k]: v })) },
    { weight: 2, arbitrary: fc.tuple(key, hostileValue, key, hostileValue).map(([k1, v1, k2, v2]) => ({ ...seed, [k1]: v1, [k2]: v2 })) },
    { weight: 1, arbitrary: key.map((k) => Object.fromEntries(Object.entries(seed).filter(([name]) => name !== k))) },
    { weight: 1, arbitrary: fc.tuple(hostileString, hostileValue).map(([k, v]) => ({ ...seed, [k]: v })) },
    { weight: 1, arbitrary: hostileValue },
    { weight: 1, arbitrary: fc.constant(JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}')) },
  );
}

const RAW_BODIES = [
  "{",
  '{"a":}',
  "[1,]",
  "nul",
  '"\\ud800"',
  '{"input":"a\\u0000b","persona_id":"ai-jesus"}',
  '{"persona_id":"ai-jesus","input":"\\udfff"}',
  `${"[".repeat(5000)}${"]".repeat(5000)}`,
  `{"a":${"1".repeat(400)}}`,
  "\u0000\u0001\u0002",
  "\ufeff{}",
];

function bodyFor(seed: Record<string, unknown> | undefined): fc.Arbitrary<{ body: Buffer | null; json: boolean }> {
  const json = (value: unknown) => ({ body: Buffer.from(JSON.stringify(value) ?? "null"), json: true });
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant({ body: null, json: false }) },
    { weight: seed ? 8 : 1, arbitrary: mutatedBody(seed ?? {}).map(json) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map(json) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_BODIES).map((s) => ({ body: Buffer.from(s), json: true })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }).map((b) => ({ body: Buffer.from(b), json: false })) },
    // Over the 64 KB limit: a 413, read to its end.
    { weight: 1, arbitrary: fc.integer({ min: 64 * 1024, max: 1024 * 1024 }).map((n) => ({ body: Buffer.alloc(n, "a"), json: true })) },
  );
}

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/json; charset=latin1",
  "application/problem+json",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/octet-stream",
  "text/event-stream",
  "garbage",
  "application/",
  "; ;",
];

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE", "PROPFIND", "SEARCH", "PURGE", "QUERY", "FOO", "get"];

const HEADER_NAMES = [
  "last-event-id",
  "idempotency-key",
  "authorization",
  "x-request-id",
  "accept",
  "accept-encoding",
  "content-encoding",
  "origin",
  "x-forwarded-for",
  "cookie",
  "range",
  "if-none-match",
  "traceparent",
  "baggage",
  "x-custom",
];

const headerValue = fc.oneof(
  fc.constantFrom(
    "99999999999999999999-0",
    "18446744073709551615-18446744073709551615",
    "18446744073709551616-0",
    "1-0",
    "-1",
    "9".repeat(2000),
    "Bearer ",
    "Bearer x",
    "Basic Zm9vOmJhcg==",
    "gzip",
    "*",
    "null",
    "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    "00-zz-zz-zz",
    "bytes=0-0",
  ),
  fc.string({ unit: latin1, maxLength: 60 }),
);

function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    // A lone surrogate cannot be encoded as UTF-8: send the bytes a sloppy client would.
    return "%ED%A0%80";
  }
}

const RAW_SEGMENTS = ["%zz", "%", "%00", "%C0%AF", "..", "%2e%2e", "%2F", "a%20b", ";x=1", "~", "%F0%9F%98%80"];

function paramValue(target: Target, name: string): fc.Arbitrary<string> {
  const known = target.params?.[name] ?? [];
  return fc.oneof(
    { weight: known.length ? 4 : 0, arbitrary: known.length ? fc.constantFrom(...known) : fc.constant("x") },
    { weight: 3, arbitrary: hostileString.map(encodeSegment) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
  );
}

const QUERY_KEYS = [
  "limit",
  "cursor",
  "status",
  "persona_id",
  "last_event_id",
  "access_token",
  "fields",
  "since",
  "until",
  "metric",
  "period",
  "grant_type",
  "input_token",
  "text",
  "media_type",
  "creation_id",
  "reply_to_id",
];

const queryString = fc.oneof(
  { weight: 3, arbitrary: fc.constant("") },
  {
    weight: 5,
    arbitrary: fc
      .array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), hostileString), hostileString), { minLength: 1, maxLength: 4 })
      .map((pairs) => `?${pairs.map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`).join("&")}`),
  },
  { weight: 1, arbitrary: fc.constantFrom("?a=%zz", "?a[b]=1", "?__proto__[x]=1", "?limit=1&limit=2", "?&&&", "?=", "?%00=%00", "?;") },
);

/** The generator of one hostile request against any route of any target. */
export function hostileRequest(targets: Target[]): fc.Arbitrary<HostileRequest> {
  const perRoute: fc.Arbitrary<HostileRequest>[] = [];
  targets.forEach((target, index) => {
    for (const route of target.routes) {
      if (target.skip?.(route)) continue;
      const names = [...route.url.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1] as string);
      const methods = route.methods.filter((m) => m !== "HEAD");
      const seedKey = methods.map((m) => `${m} ${route.url}`).find((k) => target.seeds?.[k]);
      const seed = seedKey ? target.seeds?.[seedKey] : undefined;
      perRoute.push(
        fc
          .record({
            method: fc.oneof(
              { weight: 6, arbitrary: fc.constantFrom(...route.methods) },
              { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
            ),
            params: fc.tuple(...names.map((name) => paramValue(target, name))),
            suffix: fc.oneof(
              { weight: 12, arbitrary: fc.constant("") },
              { weight: 1, arbitrary: fc.constantFrom("/", "//", "/x", "/..", "%00") },
            ),
            query: queryString,
            body: bodyFor(seed),
            contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined, freq: 4 }),
            extra: fc.dictionary(fc.constantFrom(...HEADER_NAMES), headerValue, { maxKeys: 3 }),
            defaultsMostly: fc.integer({ min: 0, max: 9 }),
          })
          .map(({ method, params, suffix, query, body, contentType, extra, defaultsMostly }) => {
            let i = 0;
            const path = route.url.replace(/:([A-Za-z_]+)/g, () => params[i++] ?? "x").replace(/\*$/, "x") + suffix + query;
            const headers: Record<string, string> = { ...(defaultsMostly < 8 ? target.headers : {}), ...extra };
            if (body.body) headers["content-type"] = contentType ?? (body.json ? "application/json" : "application/octet-stream");
            else if (contentType && defaultsMostly === 9) headers["content-type"] = contentType;
            return { target: index, method, path, headers, body: body.body, aim: `${route.methods.join(",")} ${route.url}` };
          }),
      );
    }
    // Paths no route serves.
    perRoute.push(
      fc
        .record({ method: fc.constantFrom(...METHODS), path: fc.array(hostileString.map(encodeSegment), { minLength: 1, maxLength: 3 }) })
        .map(({ method, path }) => ({
          target: index,
          method,
          path: `/${path.join("/")}`,
          headers: target.headers ?? {},
          body: null,
          aim: "(no route)",
        })),
    );
  });
  return fc.oneof(...perRoute);
}

/** Values every field of every seeded body gets in turn (the sweep): the text the database and Unicode refuse, and the wrong types. */
const SWEEP_VALUES: unknown[] = [
  "a\u0000b",
  "a\ud800b",
  "\udfff",
  "",
  " ",
  "y".repeat(20_000),
  "a/../../etc/passwd",
  0,
  -1,
  1e308,
  null,
  true,
  [],
  {},
  ["a\u0000b"],
  { a: "\u0000" },
];

/** Every field path of a body, nested objects included (`persona.name`). */
function fieldPaths(value: Record<string, unknown>, prefix: string[] = []): string[][] {
  return Object.entries(value).flatMap(([key, v]) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? [[...prefix, key], ...fieldPaths(v as Record<string, unknown>, [...prefix, key])]
      : [[...prefix, key]],
  );
}

function withField(body: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) return body;
  return { ...body, [head]: rest.length ? withField((body[head] ?? {}) as Record<string, unknown>, rest, value) : value };
}

/**
 * The deterministic part of the campaign: every field of every seeded body (nested ones too) set
 * to each of SWEEP_VALUES, on a request otherwise valid, so each text field is proven to refuse
 * NUL and lone surrogates with a 4xx however rarely the random part would reach it.
 */
export function sweepRequests(targets: Target[]): HostileRequest[] {
  const out: HostileRequest[] = [];
  targets.forEach((target, index) => {
    for (const [key, seed] of Object.entries(target.seeds ?? {})) {
      const [method = "POST", url = "/"] = key.split(" ");
      const path = url.replace(/:([A-Za-z_]+)/g, (_m, name: string) => encodeSegment(target.params?.[name]?.[0] ?? "x"));
      for (const field of fieldPaths(seed)) {
        for (const value of SWEEP_VALUES) {
          out.push({
            target: index,
            method,
            path,
            headers: { ...target.headers, "content-type": "application/json" },
            body: Buffer.from(JSON.stringify(withField(seed, field, value))),
            aim: `${key} (${field.join(".")})`,
          });
        }
      }
    }
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Sending and judging

type Answer = { status: number; headers: http.IncomingHttpHeaders; body: string } | { error: string };

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

export function send(baseUrl: string, request: Omit<HostileRequest, "target" | "aim">): Promise<Answer> {
  return new Promise((resolve) => {
    const url = new URL(baseUrl);
    let settled = false;
    const done = (answer: Answer) => {
      if (settled) return;
      settled = true;
      resolve(answer);
    };
    let req: http.ClientRequest;
    try {
      req = http.request({
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: request.path,
        headers: { ...request.headers, ...(request.body ? { "content-length": String(request.body.length) } : {}) },
        agent,
        timeout: REQUEST_TIMEOUT_MS,
      });
    } catch (err) {
      // The client itself refuses it (an invalid header or path): not a request the server ever sees.
      done({ error: `client refused: ${(err as Error).message}` });
      return;
    }
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      if (String(res.headers["content-type"] ?? "").startsWith("text/event-stream")) {
        // A live stream: the status and headers are the answer.
        done({ status: res.statusCode ?? 0, headers: res.headers, body: "" });
        res.destroy();
        return;
      }
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size <= 4 * 1024 * 1024) chunks.push(chunk);
      });
      res.on("end", () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", (err) => done({ error: err.message }));
    });
    req.on("timeout", () => {
      done({ error: `no answer within ${REQUEST_TIMEOUT_MS} ms` });
      req.destroy();
    });
    req.on("error", (err) => done({ error: err.message }));
    req.end(request.body ?? undefined);
  });
}

const STACK_TRACE = /(\n|\\n)\s+at [^\n]+:\d+:\d+|node:internal|\bat (?:async )?[\w.<>]+ \((?:file:\/\/)?\//;
const INTERNAL_TEXT = /PrismaClient|prisma\.\w+\.|ZodError|ECONNREFUSED|postgres(?:ql)?:\/\/|\/work\/|node_modules/;

/** What is wrong with an answer, or null when it keeps the promises. */
export function judge(target: Target, request: HostileRequest, answer: Answer): string | null {
  if ("error" in answer) {
    if (answer.error.startsWith("client refused")) return null;
    return `no answer: ${answer.error}`;
  }
  const { status, headers, body } = answer;
  if (status >= 500) return `server error ${status}`;
  if (STACK_TRACE.test(body)) return "a stack trace in the body";
  if (status >= 400 && INTERNAL_TEXT.test(body)) return "internal text in an error body";
  if (request.method.toUpperCase() === "HEAD") return body.length ? "a body on a HEAD answer" : null;
  if (status < 400) return null;
  const type = String(headers["content-type"] ?? "");
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return `error body is not JSON (${type || "no content-type"})`;
  }
  const pathname = request.path.split("?")[0] ?? "";
  // Graph paths answer Graph errors, except what the shared edge refuses before Graph's routing
  // (parser-level errors, malformed URLs): those are problem+json like everywhere else.
  if ((target.errorShape?.(pathname) ?? "problem") === "graph" && !type.startsWith("application/problem+json")) {
    const error = (parsed as { error?: { message?: unknown; code?: unknown } }).error;
    if (!type.startsWith("application/json")) return `Graph error not application/json (${type})`;
    return typeof error?.message === "string" && typeof error.code === "number" ? null : "not a Graph error envelope";
  }
  if (!type.startsWith("application/problem+json")) return `error not problem+json (${type || "no content-type"})`;
  const problem = parsed as { type?: unknown; title?: unknown; status?: unknown };
  if (typeof problem.type !== "string" || typeof problem.title !== "string" || problem.status !== status)
    return "problem+json without type, title and the response's status";
  return null;
}

function classOf(answer: Answer): string {
  if ("error" in answer) return answer.error.startsWith("client refused") ? "client refused" : "no answer";
  return `${Math.floor(answer.status / 100)}xx`;
}

/** Each target still answers /health. */
async function stillAnswering(targets: Target[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const target of targets) {
    const answer = await send(target.baseUrl, { method: "GET", path: "/health", headers: {}, body: null });
    if ("error" in answer || answer.status !== 200)
      findings.push({
        service: target.service,
        method: "GET",
        path: "/health",
        status: "error" in answer ? answer.error : answer.status,
        problem: "stopped answering",
        body: "error" in answer ? "" : answer.body.slice(0, 300),
      });
  }
  return findings;
}

/**
 * Sends `requests` generated requests (seeded: the same seed sends the same requests) and judges
 * every answer, one at a time; the counts cover every request sent.
 */
export async function runCampaign(
  targets: Target[],
  options: { requests: number; seed: number; onProgress?: (sent: number) => void },
): Promise<CampaignResult> {
  const started = performance.now();
  const byClass: Record<string, number> = Object.fromEntries(STATUS_CLASSES.map((c) => [c, 0]));
  const byService: Record<string, Record<string, number>> = {};
  const findings: Finding[] = [];
  let sent = 0;
  const record = async (request: HostileRequest) => {
    const target = targets[request.target] as Target;
    const answer = await send(target.baseUrl, request);
    sent++;
    const cls = classOf(answer);
    byClass[cls] = (byClass[cls] ?? 0) + 1;
    const service = (byService[target.service] ??= Object.fromEntries(STATUS_CLASSES.map((c) => [c, 0])));
    service[cls] = (service[cls] ?? 0) + 1;
    const problem = judge(target, request, answer);
    if (problem) {
      findings.push({
        service: target.service,
        method: request.method,
        path: request.path.slice(0, 300),
        status: "error" in answer ? answer.error : answer.status,
        problem,
        body: "error" in answer ? "" : answer.body.slice(0, 300),
        headers: Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, v.slice(0, 100)])),
        bodyBytes: request.body?.length ?? 0,
        bodyStart: request.body?.subarray(0, 100).toString("latin1") ?? "",
        pathBytes: request.path.length,
        index: sent,
      });
    }
    if (sent % 250 === 0) {
      findings.push(...(await stillAnswering(targets)));
      options.onProgress?.(sent);
    }
  };
  for (const request of sweepRequests(targets).slice(0, options.requests)) await record(request);
  // The property records and never fails: every request is sent and counted, each finding kept with
  // its request (rather than fast-check stopping at the first one to shrink it).
  const details = await fc.check(
    fc.asyncProperty(hostileRequest(targets), async (request) => {
      await record(request);
      return true;
    }),
    { seed: options.seed, numRuns: Math.max(0, options.requests - sent) },
  );
  if (details.failed) throw new Error(`the campaign itself broke: ${String(details.errorInstance)}`);
  findings.push(...(await stillAnswering(targets)));
  return { requests: sent, byClass, byService, findings, seconds: (performance.now() - started) / 1000 };
}

/** The counts as a table, by service and status class. */
export function formatResult(result: CampaignResult, seed: number): string {
  const classes = ["2xx", "3xx", "4xx", "5xx", "no answer", "client refused"].filter(
    (c) => STATUS_CLASSES.includes(c as (typeof STATUS_CLASSES)[number]) || (result.byClass[c] ?? 0) > 0,
  );
  const rows = [["service", "requests", ...classes]];
  for (const [service, counts] of Object.entries(result.byService)) {
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    rows.push([service, String(total), ...classes.map((c) => String(counts[c] ?? 0))]);
  }
  rows.push(["total", String(result.requests), ...classes.map((c) => String(result.byClass[c] ?? 0))]);
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length))) ?? [];
  const lines = rows.map((r) => r.map((cell, i) => cell.padStart(widths[i] ?? 0)).join("  "));
  return [
    `hostile-input campaign: ${result.requests} requests, seed ${seed}, ${result.seconds.toFixed(1)} s, ${result.findings.length} findings`,
    ...lines,
  ].join("\n");
}
