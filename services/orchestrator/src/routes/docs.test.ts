// The OpenAPI document and Swagger UI (the dashboard: dashboard.test.ts).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Orchestrator, startOrchestrator } from "../test-fixture.ts";

let o: Orchestrator;

beforeAll(async () => {
  o = await startOrchestrator();
  await o.app.ready();
});

/** Every method and path the app serves, read from Fastify's route tree ("├── v1/tasks (POST, GET, HEAD)"). */
function servedRoutes(): { method: string; url: string }[] {
  const routes: { method: string; url: string }[] = [];
  const segments: string[] = [];
  for (const line of o.app.printRoutes().split("\n")) {
    // A node without methods ("├── assets/") is only a prefix of the routes below it.
    const match = /^(.*?)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/u.exec(line);
    if (!match) continue;
    const depth = [...(match[1] as string)].length / 4;
    segments.length = depth;
    segments.push(match[2] as string);
    const url = segments.join("");
    for (const method of match[3]?.split(", ") ?? []) routes.push({ method: method.toLowerCase(), url });
  }
  return routes;
}
afterAll(async () => {
  await o?.close();
});

describe("GET /openapi.json", () => {
  it("is an OpenAPI 3.1 document whose $refs all resolve", async () => {
    const res = await o.app.inject({ url: "/openapi.json" });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info).toMatchObject({ title: "threads-agent API", version: expect.any(String) });
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: "http", scheme: "bearer" });
    for (const name of ["Task", "CreateTask", "Post", "Persona", "Problem", "LegacyCreateTask"])
      expect(doc.components.schemas[name]).toBeDefined();
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1] as string);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) expect(doc.components.schemas[ref], ref).toBeDefined();
    const operationIds: string[] = [];
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, { responses: object; operationId: string }>>)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(Object.keys(op.responses).length, `${method} ${path}`).toBeGreaterThan(0);
        operationIds.push(op.operationId);
      }
    }
    expect(new Set(operationIds).size).toBe(operationIds.length);
  });

  it("documents every route this service serves", async () => {
    const doc = (await o.app.inject({ url: "/openapi.json" })).json();
    const served = servedRoutes()
      // Static files: Swagger UI's and the dashboard build's (GET / itself is documented).
      .filter((r) => r.method !== "head" && !r.url.startsWith("/docs/") && !r.url.startsWith("/assets/"))
      .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, "{$1}")}`);
    expect(served.length).toBeGreaterThan(15);
    for (const route of served) {
      const [method, path] = route.split(" ") as [string, string];
      expect(doc.paths[path]?.[method], `${route} is not in the OpenAPI document`).toBeDefined();
    }
  });

  it("describes the create-task body from the contract, with Idempotency-Key", async () => {
    const op = (await o.app.inject({ url: "/openapi.json" })).json().paths["/v1/tasks"].post;
    expect(op.parameters.map((p: { name: string }) => p.name)).toContain("Idempotency-Key");
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(["202", "400", "413", "415", "422"]));
  });
});

describe("GET /docs", () => {
  it("serves Swagger UI on the same document", async () => {
    const page = await o.app.inject({ url: "/docs" });
    expect(page.statusCode).toBeLessThan(400);
    const html = page.statusCode === 200 ? page.body : (await o.app.inject({ url: page.headers.location as string })).body;
    expect(html).toMatch(/swagger-ui/i);
    const json = await o.app.inject({ url: "/docs/json" });
    expect(json.json().paths["/v1/tasks"]).toBeDefined();
  });
});
