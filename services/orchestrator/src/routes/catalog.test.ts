// Personas, posts, queues and the original API's POST /task.
import { newId } from "@threads-agent/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTask, type Orchestrator, startOrchestrator, uniqueInput } from "../test-fixture.ts";

let o: Orchestrator;
const persona = `catalog-test-${Date.now().toString(36)}`;

beforeAll(async () => {
  o = await startOrchestrator();
  await o.db.persona.create({
    data: {
      id: persona,
      name: "Catalog",
      emoji: "📚",
      temperament: "witty",
      description: "d",
      hook_prompt: "{input}",
      body_prompt: "{input}",
    },
  });
});
afterAll(async () => {
  await o?.close();
});

/** A post as the worker would store it. */
async function storePost(personaId: string) {
  const task = await createTask(o, { persona_id: personaId });
  const id = newId();
  await o.db.post.create({
    data: { id, task_id: task.id, persona_id: personaId, hook: "H", body: "B", text: "📚 H 📚\n\nB", published_id: `th_${id.slice(-6)}` },
  });
  return { id, taskId: task.id };
}

describe("personas", () => {
  it("lists the seeded personas with cursor pagination", async () => {
    const first = (await o.app.inject({ url: "/v1/personas?limit=1" })).json();
    expect(first.items).toHaveLength(1);
    expect(first.next_cursor).toBe(first.items[0].id);
    const all = (await o.app.inject({ url: "/v1/personas?limit=200" })).json();
    const ids = all.items.map((p: { id: string }) => p.id);
    expect(ids).toEqual(expect.arrayContaining(["ai-jesus", "ai-elon", persona]));
    expect([...ids].sort()).toEqual(ids);
    const second = (await o.app.inject({ url: `/v1/personas?limit=1&cursor=${first.next_cursor}` })).json();
    expect(second.items[0].id).toBe(ids[1]);
  });

  it("gets one persona, 404 for an unknown one", async () => {
    const res = await o.app.inject({ url: "/v1/personas/ai-jesus" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: "ai-jesus", name: "AI Jesus", emoji: "🙏", temperament: "kind", hook_model: null });
    expect((await o.app.inject({ url: "/v1/personas/ai-nobody" })).statusCode).toBe(404);
  });
});

describe("posts", () => {
  it("lists posts newest first, filtered by persona, paginated", async () => {
    const a = await storePost(persona);
    const b = await storePost(persona);
    await storePost("ai-elon");
    const page1 = (await o.app.inject({ url: `/v1/posts?persona_id=${persona}&limit=1` })).json();
    expect(page1.items.map((p: { id: string }) => p.id)).toEqual([b.id]);
    const page2 = (await o.app.inject({ url: `/v1/posts?persona_id=${persona}&limit=1&cursor=${page1.next_cursor}` })).json();
    expect(page2.items.map((p: { id: string }) => p.id)).toEqual([a.id]);
    expect(page2.next_cursor).toBeNull();
    const unfiltered = (await o.app.inject({ url: "/v1/posts?limit=200" })).json();
    expect(unfiltered.items.some((p: { persona_id: string }) => p.persona_id === "ai-elon")).toBe(true);
  });

  it("gets one post, 404 for an unknown one", async () => {
    const { id, taskId } = await storePost(persona);
    const res = await o.app.inject({ url: `/v1/posts/${id}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id, task_id: taskId, persona_id: persona, text: "📚 H 📚\n\nB", created_at: expect.any(String) });
    expect((await o.app.inject({ url: `/v1/posts/${newId()}` })).statusCode).toBe(404);
  });
});

describe("GET /v1/queues", () => {
  it("counts the content queue's jobs per state", async () => {
    await createTask(o);
    const res = await o.app.inject({ url: "/v1/queues" });
    expect(res.statusCode).toBe(200);
    const [content] = res.json().queues;
    expect(content.name).toBe("content");
    expect(Object.keys(content.counts).sort()).toEqual([
      "active",
      "completed",
      "delayed",
      "failed",
      "prioritized",
      "waiting",
      "waiting-children",
    ]);
    expect(content.counts.waiting).toBeGreaterThanOrEqual(1);
  });

  it("also counts the agent-runs and agent-ships queues", async () => {
    const res = await o.app.inject({ url: "/v1/queues" });
    expect(res.json().queues.map((q: { name: string }) => q.name)).toEqual(["content", "agent-runs", "agent-ships"]);
  });

  it("exports every work queue in queue_jobs, the autoscalers' signal", async () => {
    const res = await o.app.inject({ url: "/metrics" });
    for (const queue of ["content", "agent-runs", "agent-ships"]) expect(res.body).toContain(`queue="${queue}",state="waiting"`);
  });

  it("names the field when limit is not a number", async () => {
    const res = await o.app.inject({ url: "/v1/tasks?limit=abc" });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field: "limit", message: "expected a whole number" }]);
  });
});

describe("POST /task (original threads-agent API)", () => {
  it("queues a task from a pain statement and answers {status, task_id}", async () => {
    const input = uniqueInput("Can't sleep before exams");
    const res = await o.app.inject({
      method: "POST",
      url: "/task",
      payload: { persona_id: "ai-jesus", task_type: "create_post", pain_statement: input },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toEqual({ status: "queued", task_id: expect.any(String) });
    const task = (await o.app.inject({ url: `/v1/tasks/${body.task_id}` })).json();
    expect(task).toMatchObject({ status: "queued", task_type: "pain", input, persona_id: "ai-jesus" });
    expect(await o.queue.getJob(body.task_id)).toBeDefined();
  });

  it("accepts the original minimal body {persona_id, task_type}: the persona writes on its own topics, in turn", async () => {
    const persona = (await o.app.inject({ url: "/v1/personas/ai-elon" })).json() as { topics: string[] };
    expect(persona.topics.length).toBeGreaterThan(2);
    const inputs: string[] = [];
    for (let i = 0; i < persona.topics.length + 1; i++) {
      const res = await o.app.inject({ method: "POST", url: "/task", payload: { persona_id: "ai-elon", task_type: "create_post" } });
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      expect(body).toEqual({ status: "queued", task_id: expect.any(String) });
      const task = (await o.app.inject({ url: `/v1/tasks/${body.task_id}` })).json();
      expect(task).toMatchObject({ status: "queued", task_type: "trend", persona_id: "ai-elon" });
      inputs.push(task.input);
    }
    // Every topic once before any comes back (this file's database may have used some already: the cycle still covers them all).
    expect(new Set(inputs.slice(0, persona.topics.length))).toEqual(new Set(persona.topics));
    expect(persona.topics).toContain(inputs.at(-1));
  });

  it("names an unknown persona of a minimal body", async () => {
    const res = await o.app.inject({ method: "POST", url: "/task", payload: { persona_id: "ai-nobody", task_type: "create_post" } });
    expect(res.statusCode).toBe(422);
    expect(res.json().errors).toEqual([{ field: "persona_id", message: 'no persona "ai-nobody"' }]);
  });

  it("queues a trend task and honours Idempotency-Key", async () => {
    const payload = { persona_id: "ai-elon", task_type: "trend", trend_snippet: uniqueInput("Solid-state batteries") };
    const headers = { "idempotency-key": `legacy-${Date.now()}` };
    const a = await o.app.inject({ method: "POST", url: "/task", payload, headers });
    const b = await o.app.inject({ method: "POST", url: "/task", payload, headers });
    expect(b.json().task_id).toBe(a.json().task_id);
    expect(b.headers["idempotent-replayed"]).toBe("true");
    expect(await o.db.task.count({ where: { input: payload.trend_snippet } })).toBe(1);
  });
});
