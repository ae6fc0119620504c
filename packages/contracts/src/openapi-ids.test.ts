import { describe, expect, it } from "vitest";
import { buildOpenApiDocument, operationId } from "./openapi.ts";

describe("operationId", () => {
  it("makes identifier-safe names from method and path", () => {
    expect(operationId("get", "/")).toBe("getRoot");
    expect(operationId("get", "/openapi.json")).toBe("getOpenapiJson");
    expect(operationId("post", "/v1/tasks/{id}/retry")).toBe("postV1TasksIdRetry");
  });

  it("gives every operation of the document a unique one (client generators need that)", () => {
    const doc = buildOpenApiDocument({ version: "test" }) as { paths: Record<string, Record<string, { operationId: string }>> };
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(ids.length).toBeGreaterThan(15);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z]+[A-Za-z0-9]*$/);
  });
});

describe("error responses", () => {
  it("are documented as application/problem+json everywhere", () => {
    const doc = buildOpenApiDocument({ version: "test" }) as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
    };
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) < 400 || !response.content) continue;
          expect(Object.keys(response.content), `${method} ${path} ${status}`).toEqual(["application/problem+json"]);
        }
      }
    }
  });
});
