// The OpenAPI document is generated from the routes' own zod schemas: every route is in it with
// its request and response schemas, a route added to the app appears without anything else to
// update, and Swagger UI renders it from files served here (no CDN).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { type Orchestrator, startOrchestrator } from "../test-fixture.ts";
import { operationId } from "./docs.ts";

type Operation = {
  operationId: string;
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description?: string; content?: Record<string, { schema: unknown }> }>;
};
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown> } };

let o: Orchestrator;

beforeAll(async () => {
  o = await startOrchestrator();
  // A route nobody wrote documentation for: it must be documented from its schemas alone.
  o.app.post(
    "/throwaway/:n",
    {
      schema: {
        params: z.object({ n: z.coerce.number().int() }),
        body: z.object({ label: z.string().min(1) }),
        response: { 201: z.object({ ok: z.boolean(), label: z.string() }) },
      },
    },
    async (request, reply) => reply.code(201).send({ ok: true, label: (request.body as { label: string }).label }),
  );
  await o.app.ready();
});
afterAll(async () => {
  await o?.close();
});

const doc = async () => (await o.app.inject({ url: "/openapi.json" })).json() as Doc;

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.1 document whose $refs all resolve, with unique identifier-safe operation ids", async () => {
    const d = await doc();
    expect(d.openapi).toBe("3.1.0");
    for (const name of ["Task", "CreateTask", "Post", "Persona", "Problem", "LegacyCreateTask", "Run", "Variation", "VariationLogLine"]) {
      expect(d.components.schemas[name], name).toBeDefined();
    }
    const refs = [...JSON.stringify(d).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(d.components.schemas[ref], ref).toBeDefined();
    const ids = Object.values(d.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z]+[A-Za-z0-9]*$/);
    expect(operationId("post", "/v1/tasks/{id}/retry")).toBe("postV1TasksIdRetry");
    expect(operationId("get", "/")).toBe("getRoot");
  });

  it("documents a route from its schemas alone: params, body and response", async () => {
    const op = (await doc()).paths["/throwaway/{n}"]?.post;
    expect(op).toBeDefined();
    expect(op?.parameters?.find((p) => p.name === "n")).toMatchObject({ in: "path" });
    expect(JSON.stringify(op?.requestBody)).toContain('"label"');
    expect(JSON.stringify(op?.responses["201"])).toContain('"ok"');
    // And it validates with the same schemas, naming the field.
    const bad = await o.app.inject({ method: "POST", url: "/throwaway/3", payload: { label: "" } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([{ field: "label", message: "must not be empty" }]);
  });

  it("documents every API route with request and response schemas, errors as problem+json", async () => {
    const d = await doc();
    const expected = [
      "get /v1/personas",
      "post /v1/personas",
      "get /v1/personas/{id}",
      "patch /v1/personas/{id}",
      "post /v1/tasks",
      "get /v1/tasks",
      "get /v1/tasks/{id}",
      "get /v1/tasks/{id}/events",
      "post /v1/tasks/{id}/retry",
      "post /v1/tasks/{id}/cancel",
      "get /v1/posts",
      "get /v1/posts/{id}",
      "post /v1/runs",
      "get /v1/runs",
      "get /v1/runs/{id}",
      "get /v1/runs/{id}/events",
      "get /v1/runs/{id}/variations/{index}/log",
      "post /v1/runs/{id}/cancel",
      "post /v1/runs/{id}/winner",
      "get /v1/queues",
      "post /task",
      "get /health",
      "get /ready",
      "get /metrics",
      "get /openapi.json",
      "get /",
    ];
    const documented = Object.entries(d.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    expect(documented).toEqual(expect.arrayContaining(expected));
    for (const [path, ops] of Object.entries(d.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method} ${path}`;
        expect(Object.keys(op.responses).length, where).toBeGreaterThan(0);
        if (["post", "patch"].includes(method) && !path.startsWith("/throwaway")) {
          expect(op.parameters?.map((p) => p.name.toLowerCase()) ?? [], where).toContain("idempotency-key");
        }
        for (const [status, response] of Object.entries(op.responses)) {
          // /ready's 503 is its readiness report; the dashboard's is a page. Every other error is a problem.
          if (Number(status) >= 400 && response.content && path !== "/ready" && !response.content["text/html"]) {
            expect(Object.keys(response.content), `${where} ${status}`).toEqual(["application/problem+json"]);
          }
        }
      }
    }
    const create = d.paths["/v1/tasks"]?.post;
    expect(Object.keys(create?.responses ?? {})).toEqual(expect.arrayContaining(["202", "400", "401", "413", "415", "422", "429", "503"]));
    expect(JSON.stringify(create?.requestBody)).toContain("CreateTask");
  });
});

describe("GET /docs", () => {
  it("serves Swagger UI on the same document, from its own files", async () => {
    const page = await o.app.inject({ url: "/docs" });
    expect(page.statusCode).toBeLessThan(400);
    const html = page.statusCode === 200 ? page.body : (await o.app.inject({ url: page.headers.location as string })).body;
    expect(html).toMatch(/swagger-ui/i);
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[a-z]/i);
    const scripts = [...html.matchAll(/src="\.?\/?([^"]+\.js)"/g)].map((m) => m[1] as string);
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) {
      const res = await o.app.inject({ url: `/docs/${script.replace(/^docs\//, "").replace(/^\.\//, "")}` });
      expect(res.statusCode, script).toBe(200);
    }
    const json = await o.app.inject({ url: "/docs/json" });
    expect(json.json().paths["/v1/tasks"]).toBeDefined();
  });
});
