import { listen, readSse, waitFor } from "@threads-agent/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTask, type Orchestrator, startOrchestrator } from "../test-fixture.ts";

let o: Orchestrator;
let url = "";

beforeAll(async () => {
  o = await startOrchestrator();
  url = (await listen(o.app)).url;
});
afterAll(async () => {
  await o?.close();
});

const post = {
  id: "01900000-0000-7000-8000-00000000e001",
  task_id: "",
  persona_id: "ai-elon",
  hook: "Rockets",
  body: "Build.",
  text: "🚀 Rockets 🚀\n\nBuild.",
  published_id: "th_9",
  created_at: new Date().toISOString(),
};

/** What a worker would write for a successful run: state changes through the lifecycle, progress frames straight to the stream. */
async function runToSuccess(taskId: string) {
  const steps = ["ingest", "hook", "body", "guardrail", "format"] as const;
  await o.lifecycle.task({ id: taskId, to: "running", event: { type: "task.started", attempt: 1 } });
  for (const step of steps) {
    await o.taskEvents.appendMany("task", taskId, [
      { type: "step.started", step },
      { type: "step.completed", step, ms: 5, tokens: 10 },
    ]);
  }
  await o.lifecycle.task({ id: taskId, to: "succeeded", event: { type: "task.succeeded", post: { ...post, task_id: taskId } } });
}

describe("GET /v1/tasks/:id/events", () => {
  it("replays the history with stream ids and ends after the terminal event", async () => {
    const task = await createTask(o);
    await runToSuccess(task.id);
    const { messages, status, headers } = await readSse(`${url}/v1/tasks/${task.id}/events`);
    expect(status).toBe(200);
    expect(headers.get("content-type")).toMatch(/text\/event-stream/);
    expect(messages.map((m) => m.json.type)).toEqual([
      "task.queued",
      "task.started",
      ...["ingest", "hook", "body", "guardrail", "format"].flatMap(() => ["step.started", "step.completed"]),
      "task.succeeded",
    ]);
    expect(messages.every((m) => /^\d+-\d+$/.test(m.id ?? ""))).toBe(true);
    expect(messages[0]?.json).toEqual({ type: "task.queued", task_id: task.id, at: expect.any(String) });
    expect(messages[3]?.json).toMatchObject({ type: "step.completed", task_id: task.id, step: "ingest", ms: 5, tokens: 10 });
  });

  it("resumes after Last-Event-ID (header or ?last_event_id=) with exactly the rest", async () => {
    const task = await createTask(o);
    await runToSuccess(task.id);
    const all = (await readSse(`${url}/v1/tasks/${task.id}/events`)).messages;
    const middle = 5;
    const lastSeen = all[middle - 1]?.id as string;
    const rest = all.slice(middle).map((m) => m.id);

    const viaHeader = await readSse(`${url}/v1/tasks/${task.id}/events`, { headers: { "last-event-id": lastSeen } });
    expect(viaHeader.messages.map((m) => m.id)).toEqual(rest);
    const viaQuery = await readSse(`${url}/v1/tasks/${task.id}/events?last_event_id=${lastSeen}`);
    expect(viaQuery.messages.map((m) => m.id)).toEqual(rest);
    // A reconnecting EventSource sends the header while the URL still has the first position: the header wins.
    const both = await readSse(`${url}/v1/tasks/${task.id}/events?last_event_id=${all[0]?.id}`, { headers: { "last-event-id": lastSeen } });
    expect(both.messages.map((m) => m.id)).toEqual(rest);
  });

  it("streams live events as they are appended, with heartbeats, and counts the open connection", async () => {
    const task = await createTask(o);
    const reading = readSse(`${url}/v1/tasks/${task.id}/events`);
    await waitFor("the stream to be counted", async () =>
      /sse_connections\{service="orchestrator"\} 1/.test(await o.metrics.registry.getSingleMetricAsString("sse_connections")),
    );
    // Three heartbeat periods (SSE_HEARTBEAT_MS=250 in the fixture) with nothing to send.
    await new Promise((r) => setTimeout(r, 750));
    await runToSuccess(task.id);
    const { messages, comments } = await reading;
    expect(messages.at(-1)?.json.type).toBe("task.succeeded");
    expect(comments).toContain("heartbeat");
    await new Promise((r) => setTimeout(r, 50));
    expect(await o.metrics.registry.getSingleMetricAsString("sse_connections")).toMatch(/sse_connections\{service="orchestrator"\} 0/);
  });

  it("rebuilds the state history of a stream Redis lost, with the same ids", async () => {
    const task = await createTask(o);
    await runToSuccess(task.id);
    const before = (await readSse(`${url}/v1/tasks/${task.id}/events`)).messages.filter((m) => !String(m.json.type).startsWith("step."));
    // Stream ids are recorded with the rows' mark-sent, batched every 50 ms: a loss after that keeps them.
    await vi.waitFor(async () => expect(await o.db.outboxEvent.count({ where: { entity_id: task.id, sent_at: null } })).toBe(0), {
      timeout: 20_000,
      interval: 20,
    });
    await o.redis.del(o.taskEvents.key("task", task.id), o.taskEvents.highWaterKey("task", task.id));
    const after = (await readSse(`${url}/v1/tasks/${task.id}/events`)).messages;
    expect(after.map((m) => [m.id, m.json.type])).toEqual(before.map((m) => [m.id, m.json.type]));
    expect(after.map((m) => m.json.type)).toEqual(["task.queued", "task.started", "task.succeeded"]);
  });

  it("answers a finished task whose stream and outbox rows expired with a snapshot from the database", async () => {
    const task = await createTask(o);
    await o.lifecycle.task({
      id: task.id,
      to: "failed",
      set: { error_code: "timeout", error_message: "model timed out", finished_at: new Date() },
      event: { type: "task.failed", error: { code: "timeout", message: "model timed out" } },
    });
    await o.redis.del(o.taskEvents.key("task", task.id), o.taskEvents.highWaterKey("task", task.id));
    await o.db.outboxEvent.deleteMany({ where: { entity_id: task.id } });
    const { messages } = await readSse(`${url}/v1/tasks/${task.id}/events`);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.id).toBeUndefined();
    expect(messages[0]?.json).toMatchObject({
      type: "task.failed",
      task_id: task.id,
      snapshot: true,
      error: { code: "timeout", message: "model timed out" },
    });
  });

  it("reads nothing from the database to connect to a published stream, only when Redis has none", async () => {
    const task = await createTask(o);
    await runToSuccess(task.id);
    const findUnique = vi.spyOn(o.db.task, "findUnique");
    try {
      const { messages } = await readSse(`${url}/v1/tasks/${task.id}/events`);
      expect(messages.at(-1)?.json.type).toBe("task.succeeded");
      expect(findUnique).not.toHaveBeenCalled();
      // Lost by Redis: the task is looked up (a wrong id must stay a 404) and its stream rebuilt.
      await o.redis.del(o.taskEvents.key("task", task.id), o.taskEvents.highWaterKey("task", task.id));
      const rebuilt = await readSse(`${url}/v1/tasks/${task.id}/events`);
      expect(rebuilt.messages.at(-1)?.json.type).toBe("task.succeeded");
      expect(findUnique).toHaveBeenCalledTimes(1);
    } finally {
      findUnique.mockRestore();
    }
  });

  it("follows any number of viewers over the one shared reader connection", async () => {
    const task = await createTask(o);
    const viewers = Array.from({ length: 25 }, () =>
      readSse(`${url}/v1/tasks/${task.id}/events`, { until: (m) => m.json.type === "task.succeeded" }),
    );
    await vi.waitFor(
      async () => {
        expect(await o.metrics.registry.getSingleMetricAsString("sse_connections")).toMatch(/sse_connections\{service="orchestrator"\} 25/);
      },
      { timeout: 20_000, interval: 50 },
    );
    expect(o.streamHub.connections).toBe(1);
    await runToSuccess(task.id);
    for (const { messages } of await Promise.all(viewers)) {
      expect(messages.map((m) => m.json.type)).toEqual([
        "task.queued",
        "task.started",
        ...["ingest", "hook", "body", "guardrail", "format"].flatMap(() => ["step.started", "step.completed"]),
        "task.succeeded",
      ]);
    }
  });

  it("rejects a malformed Last-Event-ID naming it, and unknown tasks with 404", async () => {
    const task = await createTask(o);
    const header = await o.app.inject({ url: `/v1/tasks/${task.id}/events`, headers: { "last-event-id": "banana" } });
    expect(header.statusCode).toBe(400);
    expect(header.headers["content-type"]).toMatch(/problem\+json/);
    expect(header.json().errors[0].field).toBe("Last-Event-ID");
    const query = await o.app.inject({ url: `/v1/tasks/${task.id}/events?last_event_id=1-2-3` });
    expect(query.statusCode).toBe(400);
    expect(query.json().errors[0].field).toBe("last_event_id");
    const missing = await o.app.inject({ url: "/v1/tasks/01900000-0000-7000-8000-00000000ffff/events" });
    expect(missing.statusCode).toBe(404);
    const badId = await o.app.inject({ url: "/v1/tasks/not-a-uuid/events" });
    expect(badId.statusCode).toBe(400);
    expect(badId.json().errors[0].field).toBe("id");
  });

  it("ends open streams when the server shuts down, so clients reconnect elsewhere", async () => {
    const other = await startOrchestrator();
    const { url: otherUrl } = await listen(other.app);
    const task = await createTask(other);
    const reading = readSse(`${otherUrl}/v1/tasks/${task.id}/events`, { timeoutMs: 10_000 });
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await other.close();
    const { messages } = await reading;
    expect(messages.map((m) => m.json.type)).toEqual(["task.queued"]);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
