// Hand-built malformed HTTP, written straight to the socket, against every server of the platform:
// what Node's parser refuses must come back as problem+json (no body to a HEAD), an oversized
// body as a 413 the client can read (not a reset), and stream ids outside Redis' range as a 400.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { API_KEY, startTargets, type Targets } from "./targets.ts";

let targets: Targets;
beforeAll(async () => {
  targets = await startTargets();
}, 60_000);
afterAll(async () => {
  await targets?.close();
});

type RawAnswer = { status: number; headers: Record<string, string>; body: string; error?: string };

/** Writes `head` (and `body`, all of it, as fast as the socket takes it), then reads one response. */
function raw(baseUrl: string, head: string, body?: Buffer, expectBody = true): Promise<RawAnswer> {
  const { port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), "127.0.0.1");
    let data = Buffer.alloc(0);
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = data.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      const lines = (end >= 0 ? text.slice(0, end) : text).split("\r\n");
      const status = Number(lines[0]?.split(" ")[1] ?? 0);
      const headers = Object.fromEntries(
        lines.slice(1).map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()] as const),
      );
      resolve({
        status,
        headers,
        body: end >= 0 ? data.subarray(Buffer.byteLength(text.slice(0, end + 4), "latin1")).toString("utf8") : "",
        ...(error ? { error } : {}),
      });
    };
    const timer = setTimeout(() => finish("no answer within 15 s"), 15_000);
    socket.on("data", (chunk) => {
      data = Buffer.concat([data, chunk]);
      const text = data.toString("latin1");
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) return;
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, end))?.[1] ?? Number.NaN);
      if (!expectBody || (Number.isFinite(length) && data.length >= end + 4 + length)) finish();
    });
    socket.on("error", (err) => finish(err.message));
    socket.on("close", () => finish());
    socket.write(head);
    if (body) socket.write(body);
  });
}

function expectProblem(answer: RawAnswer, status: number) {
  expect(answer.error, `transport error ${answer.error}`).toBeUndefined();
  expect(answer.status).toBe(status);
  expect(answer.headers["content-type"]).toMatch(/^application\/problem\+json/);
  const problem = JSON.parse(answer.body);
  expect(problem).toMatchObject({ status, type: expect.stringMatching(/^https:\/\//), title: expect.any(String) });
  expect(answer.body).not.toMatch(/\n\s+at |node:internal/);
}

const HOST = "Host: 127.0.0.1\r\n";

describe("malformed HTTP on every server", () => {
  const cases: [string, (path: string) => string, number][] = [
    ["an unknown method", (p) => `FOO ${p} HTTP/1.1\r\n${HOST}\r\n`, 400],
    ["headers over 16 KB", (p) => `GET ${p} HTTP/1.1\r\n${HOST}X-Big: ${"a".repeat(20_000)}\r\n\r\n`, 431],
    ["a URL over 16 KB", (p) => `GET ${p}?q=${"a".repeat(20_000)} HTTP/1.1\r\n${HOST}\r\n`, 431],
    ["headers over 64 KB", (p) => `GET ${p} HTTP/1.1\r\n${HOST}X-Big: ${"a".repeat(70_000)}\r\n\r\n`, 431],
    [
      "broken chunked encoding",
      (p) => `POST ${p} HTTP/1.1\r\n${HOST}Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
      400,
    ],
    [
      "Content-Length and Transfer-Encoding both",
      (p) => `POST ${p} HTTP/1.1\r\n${HOST}Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}`,
      400,
    ],
    ["a garbage request line", () => "\u0001\u0002 nonsense\r\n\r\n", 400],
    ["an unknown HTTP version", (p) => `GET ${p} HTTP/9.9\r\n${HOST}\r\n`, 400],
    ["a NUL in a header", (p) => `GET ${p} HTTP/1.1\r\n${HOST}X-A: a\u0000b\r\n\r\n`, 400],
    ["a header without a colon", (p) => `GET ${p} HTTP/1.1\r\n${HOST}nonsense\r\n\r\n`, 400],
    ["a space before the colon", (p) => `GET ${p} HTTP/1.1\r\n${HOST}X-A : b\r\n\r\n`, 400],
    ["an invalid Content-Length", (p) => `POST ${p} HTTP/1.1\r\n${HOST}Content-Length: abc\r\n\r\n`, 400],
  ];

  it.each(cases)("answers %s with problem+json on every server", async (_name, build, status) => {
    for (const target of targets.targets) {
      for (const path of ["/health", target.routes.find((r) => r.methods.includes("POST"))?.url.replace(/:\w+/g, "x") ?? "/x"]) {
        const answer = await raw(target.baseUrl, build(path));
        expectProblem(answer, status);
      }
    }
  });

  it("answers heads past the parser's 256 KB with a 431 (problem+json, or empty when the method is out of the parser's sight)", async () => {
    for (const target of targets.targets) {
      for (const method of ["GET", "POST"]) {
        const answer = await raw(target.baseUrl, `${method} /health HTTP/1.1\r\n${HOST}X-Big: ${"a".repeat(300_000)}\r\n\r\n`);
        expect(answer.error, target.service).toBeUndefined();
        expect(answer.status, target.service).toBe(431);
        if (answer.body) expect(JSON.parse(answer.body)).toMatchObject({ status: 431 });
        else expect(answer.headers["content-length"]).toBe("0");
      }
    }
  });

  it.each([20_000, 70_000, 300_000])("answers a HEAD with %d bytes of headers with a 431 and no body", async (size) => {
    for (const target of targets.targets) {
      const answer = await raw(
        target.baseUrl,
        `HEAD /health HTTP/1.1\r\n${HOST}X-Big: ${"a".repeat(size)}\r\nConnection: close\r\n\r\n`,
        undefined,
        false,
      );
      // Read to the end: nothing may follow the head.
      await new Promise((r) => setTimeout(r, 50));
      expect(answer.status, target.service).toBe(431);
      expect(answer.body, target.service).toBe("");
    }
  });

  it("answers ops-port paths it does not serve with a problem+json 404", async () => {
    for (const target of targets.targets) {
      expectProblem(await raw(target.baseUrl, `GET /nowhere HTTP/1.1\r\n${HOST}Connection: close\r\n\r\n`), 404);
    }
  });

  it("answers a 5 MB body sent at once with a 413 the client reads, not a reset", async () => {
    const big = Buffer.alloc(5 * 1024 * 1024, "a");
    const posts: [string, string][] = [
      ["orchestrator", "/v1/tasks"],
      ["orchestrator", "/task"],
      ["persona-runtime", "/v1/generate"],
      ["fake-threads", "/publish"],
      ["worker (ops)", "/ready"],
    ];
    for (const [service, path] of posts) {
      const target = targets.targets.find((t) => t.service === service);
      if (!target) throw new Error(`no target ${service}`);
      for (let i = 0; i < 3; i++) {
        const answer = await raw(
          target.baseUrl,
          `POST ${path} HTTP/1.1\r\n${HOST}Authorization: Bearer ${API_KEY}\r\nContent-Type: application/json\r\nContent-Length: ${big.length}\r\n\r\n`,
          big,
        );
        expect(answer.error, `${service} ${path}: ${answer.error}`).toBeUndefined();
        expect(answer.status, `${service} ${path}`).toBe(413);
        expect(answer.headers["content-type"]).toMatch(/problem\+json/);
      }
    }
  });

  it("answers a chunked body over the limit with a 413 too", async () => {
    const target = targets.targets.find((t) => t.service === "orchestrator");
    const chunk = "a".repeat(60_000);
    const chunks = `${Array.from({ length: 20 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`).join("")}0\r\n\r\n`;
    const answer = await raw(
      target?.baseUrl ?? "",
      `POST /v1/tasks HTTP/1.1\r\n${HOST}Authorization: Bearer ${API_KEY}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`,
      Buffer.from(chunks),
    );
    expectProblem(answer, 413);
  });
});

describe("stream ids", () => {
  const api = () => targets.targets.find((t) => t.service === "orchestrator")?.baseUrl ?? "";
  const auth = { authorization: `Bearer ${API_KEY}` };

  async function newTask() {
    const res = await fetch(`${api()}/v1/tasks`, {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ persona_id: "ai-jesus", input: `stream ids ${Math.random()}` }),
    });
    return ((await res.json()) as { id: string }).id;
  }

  it.each([["99999999999999999999-0"], ["18446744073709551616-0"], ["0-18446744073709551616"], ["1-2-3"], ["-1"], ["1\u00a0-0"]])(
    "refuses Last-Event-ID %s outside Redis' range with a 400 naming it",
    async (id) => {
      const task = await newTask();
      const header = await fetch(`${api()}/v1/tasks/${task}/events`, { headers: { ...auth, "last-event-id": id } });
      expect(header.status).toBe(400);
      expect(header.headers.get("content-type")).toMatch(/problem\+json/);
      expect(((await header.json()) as { errors: { field: string }[] }).errors[0]?.field).toBe("Last-Event-ID");
      const query = await fetch(`${api()}/v1/tasks/${task}/events?last_event_id=${encodeURIComponent(id)}`, { headers: auth });
      expect(query.status).toBe(400);
      expect(((await query.json()) as { errors: { field: string }[] }).errors[0]?.field).toBe("last_event_id");
    },
  );

  it("accepts the largest id Redis has, and ends a finished task's stream for a future id instead of waiting", async () => {
    const task = await newTask();
    const cancel = await fetch(`${api()}/v1/tasks/${task}/cancel`, { method: "POST", headers: auth });
    expect(cancel.status).toBeLessThan(300);
    // Wait until the cancellation is in the task's stream (the relay publishes it).
    for (let i = 0; i < 100; i++) {
      const all = await fetch(`${api()}/v1/tasks/${task}/events`, { headers: auth });
      if ((await all.text()).includes("task.cancelled")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const id of ["18446744073709551615-18446744073709551615", "9999999999999-0"]) {
      const res = await fetch(`${api()}/v1/tasks/${task}/events`, { headers: { ...auth, "last-event-id": id } });
      expect(res.status).toBe(200);
      // The body ends (the stream closes): text() resolves, with nothing after the retry hint.
      const body = await res.text();
      expect(body).not.toMatch(/heartbeat|data:/);
    }
  });
});
