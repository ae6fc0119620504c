// Every kind of bad input gets a 4xx problem+json that names what to fix; none gets a 5xx.
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTask, type Orchestrator, startOrchestrator } from "../test-fixture.ts";

let o: Orchestrator;
let taskId = "";

beforeAll(async () => {
  o = await startOrchestrator();
  taskId = (await createTask(o)).id;
});
afterAll(async () => {
  await o?.close();
});

function expectProblem(res: LightMyRequestResponse, status: number, field?: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
  const problem = res.json();
  expect(problem).toMatchObject({
    type: expect.stringMatching(/^https:\/\//),
    title: expect.any(String),
    status,
    detail: expect.any(String),
  });
  expect(problem.detail).not.toMatch(/\n\s+at /); // never a stack trace
  if (field) expect(problem.errors?.map((e: { field: string }) => e.field)).toContain(field);
  return problem;
}

const postJson = (url: string, payload: unknown) =>
  o.app.inject({ method: "POST", url, headers: { "content-type": "application/json" }, payload: JSON.stringify(payload) });
const valid = { persona_id: "ai-jesus", input: "Loneliness in remote work" };

describe("POST /v1/tasks body", () => {
  it.each([
    ["missing persona_id", { input: "x" }, "persona_id", /is required/],
    ["persona_id of the wrong type", { ...valid, persona_id: 42 }, "persona_id", /string/],
    ["input of the wrong type", { ...valid, input: { text: "x" } }, "input", /expected a string/],
    ["blank input", { ...valid, input: "   " }, "input", /must not be empty/],
    ["oversize input", { ...valid, input: "x".repeat(2001) }, "input", /at most 2000 characters/],
    ["malformed persona_id", { ...valid, persona_id: "AI Jesus!" }, "persona_id", /lowercase/],
    ["unknown task_type", { ...valid, task_type: "meme" }, "task_type", /trend|pain/],
    ["unknown field", { ...valid, priority: "high" }, "priority", /unknown field "priority"/],
  ])("%s → 400 naming the field", async (_label, payload, field, message) => {
    const problem = expectProblem(await postJson("/v1/tasks", payload), 400, field);
    expect(problem.errors.find((e: { field: string }) => e.field === field).message).toMatch(message);
  });

  it("no input and no unused trend → 422 naming input", async () => {
    const problem = expectProblem(await postJson("/v1/tasks", { persona_id: "ai-jesus" }), 422, "input");
    expect(problem.detail).toMatch(/no unused trend/);
    expect(problem.detail).toMatch(/POST \/v1\/trend-sources/);
  });

  it("publish_at that is not an ISO time, and review that is not a boolean → 400 naming each", async () => {
    const problem = expectProblem(await postJson("/v1/tasks", { ...valid, publish_at: "tomorrow", review: "yes" }), 400);
    expect([...new Set(problem.errors.map((e: { field: string }) => e.field))].sort()).toEqual(["publish_at", "review"]);
  });

  it("unknown persona → 422 naming persona_id", async () => {
    const problem = expectProblem(await postJson("/v1/tasks", { ...valid, persona_id: "ai-nobody" }), 422, "persona_id");
    expect(problem.detail).toMatch(/GET \/v1\/personas/);
  });

  it.each([
    ["an array", [valid]],
    ["a string", "hello"],
    ["null", null],
    ["a number", 7],
  ])("a JSON body that is %s → 400 naming the body", async (_label, payload) => {
    expectProblem(await postJson("/v1/tasks", payload), 400, "(body)");
  });

  it("malformed JSON → 400 saying where it breaks", async () => {
    const res = await o.app.inject({
      method: "POST",
      url: "/v1/tasks",
      headers: { "content-type": "application/json" },
      payload: '{"persona_id": "ai-jesus",',
    });
    const problem = expectProblem(res, 400, "(body)");
    expect(problem.detail).toMatch(/not valid JSON: .*position/);
  });

  it("prototype poisoning → 400", async () => {
    const res = await o.app.inject({
      method: "POST",
      url: "/v1/tasks",
      headers: { "content-type": "application/json" },
      payload: '{"persona_id":"ai-jesus","input":"x","__proto__":{"admin":true}}',
    });
    expectProblem(res, 400, "(body)");
  });

  it("empty body → 400", async () => {
    expectProblem(await o.app.inject({ method: "POST", url: "/v1/tasks" }), 400, "(body)");
    expectProblem(
      await o.app.inject({ method: "POST", url: "/v1/tasks", headers: { "content-type": "application/json" }, payload: "" }),
      400,
      "(body)",
    );
  });

  it.each([
    ["text/plain", JSON.stringify(valid)],
    ["application/x-www-form-urlencoded", "persona_id=ai-jesus&input=x"],
    ["multipart/form-data; boundary=x", "--x--"],
  ])("Content-Type %s → 415 naming Content-Type", async (type, payload) => {
    const problem = expectProblem(
      await o.app.inject({ method: "POST", url: "/v1/tasks", headers: { "content-type": type }, payload }),
      415,
      "Content-Type",
    );
    expect(problem.detail).toMatch(/application\/json/);
  });

  it("a body over BODY_LIMIT_BYTES → 413", async () => {
    const payload = JSON.stringify({ ...valid, input: "x".repeat(70_000) });
    const problem = expectProblem(
      await o.app.inject({ method: "POST", url: "/v1/tasks", headers: { "content-type": "application/json" }, payload }),
      413,
    );
    expect(problem.detail).toMatch(/65536-byte limit/);
  });

  it("accepts application/json with a charset", async () => {
    const res = await o.app.inject({
      method: "POST",
      url: "/v1/tasks",
      headers: { "content-type": "application/json; charset=utf-8" },
      payload: JSON.stringify(valid),
    });
    expect(res.statusCode).toBe(202);
  });
});

describe("query parameters", () => {
  it.each([
    ["/v1/tasks?limit=0", "limit"],
    ["/v1/tasks?limit=201", "limit"],
    ["/v1/tasks?limit=ten", "limit"],
    ["/v1/tasks?limit=1&limit=2", "limit"],
    ["/v1/tasks?status=done", "status"],
    ["/v1/tasks?cursor=page-2", "cursor"],
    ["/v1/tasks?persona_id=Not%20A%20Slug", "persona_id"],
    ["/v1/tasks?sort=asc", "query.sort"],
    ["/v1/posts?persona_id=%21%21", "persona_id"],
    ["/v1/posts?cursor=12", "cursor"],
    ["/v1/personas?limit=-1", "limit"],
    ["/v1/personas?cursor=NOPE", "cursor"],
    ["/v1/tasks/01900000-0000-7000-8000-000000000123?last_event_id=1-0", "query.last_event_id"],
    ["/v1/queues?verbose=1", "query.verbose"],
  ])("%s → 400 naming %s", async (url, field) => {
    expectProblem(await o.app.inject({ url }), 400, field);
  });
});

describe("ids in paths", () => {
  it.each([
    ["GET", "/v1/tasks/not-a-uuid"],
    ["GET", "/v1/tasks/01900000-0000-7000-8000-00000000000g"],
    ["GET", "/v1/posts/123"],
    ["GET", "/v1/personas/Bad_Id"],
    ["POST", "/v1/tasks/nope/retry"],
    ["POST", "/v1/tasks/nope/cancel"],
  ])("%s %s → 400 naming id", async (method, url) => {
    expectProblem(await o.app.inject({ method: method as "GET", url }), 400, "id");
  });

  it.each([
    ["GET", "/v1/tasks/01900000-0000-7000-8000-000000000123"],
    ["GET", "/v1/posts/01900000-0000-7000-8000-000000000123"],
    ["GET", "/v1/personas/ai-nobody"],
    ["POST", "/v1/tasks/01900000-0000-7000-8000-000000000123/retry"],
    ["POST", "/v1/tasks/01900000-0000-7000-8000-000000000123/cancel"],
  ])("%s %s (well-formed, absent) → 404", async (method, url) => {
    expectProblem(await o.app.inject({ method: method as "GET", url }), 404);
  });

  it("an id longer than any id → 414, a broken URL → 400, and unknown routes or methods → 404 problem+json", async () => {
    expectProblem(await o.app.inject({ url: `/v1/tasks/${"a".repeat(500)}` }), 414);
    expectProblem(await o.app.inject({ url: "/v1/tasks/%E0%A4%A" }), 400);
    expectProblem(await o.app.inject({ url: "/v1/nothing-here" }), 404);
    expectProblem(await o.app.inject({ method: "DELETE", url: `/v1/tasks/${taskId}` }), 404);
  });
});

describe("bodies of retry and cancel", () => {
  it("accept no body, an empty JSON body or {}, and reject unknown fields", async () => {
    const cancel = `/v1/tasks/${taskId}/cancel`;
    expectProblem(await postJson(cancel, { force: true }), 400, "force");
    expectProblem(
      await o.app.inject({ method: "POST", url: cancel, headers: { "content-type": "text/plain" }, payload: "now" }),
      415,
      "Content-Type",
    );
    const res = await o.app.inject({ method: "POST", url: cancel, headers: { "content-type": "application/json" }, payload: "" });
    expect(res.statusCode).toBe(200);
    expect((await postJson(`/v1/tasks/${taskId}/retry`, {})).statusCode).toBe(202);
  });
});

describe("POST /task (original API)", () => {
  it.each([
    ["missing persona_id", { task_type: "trend", trend_snippet: "x" }, "persona_id", 400],
    ["a task_type that is not a string", { persona_id: "ai-jesus", task_type: 7 }, "task_type", 400],
    ["an empty pain statement", { persona_id: "ai-jesus", task_type: "pain", pain_statement: "" }, "pain_statement", 400],
    ["an unknown persona", { persona_id: "ai-nobody", task_type: "trend", trend_snippet: "x" }, "persona_id", 422],
  ])("%s → %s naming %s", async (_label, payload, field, status) => {
    expectProblem(await postJson("/task", payload), status as number, field as string);
  });
});
