import { TERMINAL_TASK_EVENTS } from "@threads-agent/contracts";
import { createDb, recordEvent } from "@threads-agent/db";
import { listen, readSse, testEnv } from "@threads-agent/testing";
import Fastify from "fastify";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EventLog } from "./event-log.ts";
import { OutboxRelay } from "./outbox-relay.ts";
import { streamEvents } from "./sse.ts";
import { StreamHub } from "./stream-hub.ts";

const env = testEnv();
const redis = new Redis(env.redisUrl);
const db = createDb(env.databaseUrl);
const log = new EventLog({ redis, prefix: env.redisPrefix, isTerminal: (t) => TERMINAL_TASK_EVENTS.has(t), retentionSeconds: 60 });
const relay = new OutboxRelay({ db, logs: { task: log }, logger: { warn: () => {}, info: () => {}, error: () => {} } });
// State events go through the outbox, as every service writes them; progress frames straight to the stream.
const state = async (id: string, event: { type: string } & Record<string, unknown>) =>
  relay.announce([await recordEvent(db, { entity: "task", id }, event)]);
const hub = new StreamHub({ redis });
const app = Fastify();
app.get<{ Params: { id: string } }>("/events/:id", (request, reply) => {
  reply.hijack();
  return streamEvents({
    log,
    hub,
    entity: "task",
    id: request.params.id,
    response: reply.raw,
    lastEventId: request.headers["last-event-id"] as string | undefined,
    heartbeatMs: 100,
    ensure: () => relay.ensure({ entity: "task", id: request.params.id }),
    snapshot: async () => ({ type: "task.succeeded", at: "x", task_id: request.params.id, snapshot: true }),
  });
});
let url = "";

beforeAll(async () => {
  url = (await listen(app)).url;
});
afterAll(async () => {
  await app.close();
  await hub.close();
  redis.disconnect();
  await db.$disconnect();
});

describe("event log + SSE", () => {
  it("replays history with stream ids, resumes after Last-Event-ID, and ends after the terminal event", async () => {
    const id = "00000000-0000-7000-8000-000000000001";
    await state(id, { type: "task.queued" });
    await log.append("task", id, { type: "step.started", step: "hook" });
    await log.append("task", id, { type: "step.completed", step: "hook", ms: 3, tokens: 12 });
    await state(id, { type: "task.succeeded", post: {} });

    const all = await readSse(`${url}/events/${id}`);
    expect(all.messages.map((m) => m.json.type)).toEqual(["task.queued", "step.started", "step.completed", "task.succeeded"]);
    expect(all.messages.every((m) => m.id && /^\d+-\d+$/.test(m.id))).toBe(true);
    expect(all.messages[2]?.json).toMatchObject({ type: "step.completed", task_id: id, step: "hook", ms: 3, tokens: 12 });
    expect(typeof all.messages[0]?.json.at).toBe("string");

    const resumed = await readSse(`${url}/events/${id}`, { headers: { "last-event-id": all.messages[1]?.id ?? "" } });
    expect(resumed.messages.map((m) => m.id)).toEqual(all.messages.slice(2).map((m) => m.id));
    expect(await redis.ttl(log.key("task", id))).toBeGreaterThan(0);
  });

  it("delivers live events to a waiting client and keeps going past a terminal event that is followed by more", async () => {
    const id = "00000000-0000-7000-8000-000000000002";
    await state(id, { type: "task.queued" });
    await state(id, { type: "task.failed", error: { code: "x", message: "y" } });
    await state(id, { type: "task.queued" });
    const reading = readSse(`${url}/events/${id}`);
    // Live (following the shared reader), then idle for a few heartbeats.
    await vi.waitFor(() => expect(hub.size.listeners).toBe(1), { timeout: 20_000, interval: 10 });
    await new Promise((r) => setTimeout(r, 350));
    await state(id, { type: "task.started", attempt: 1 });
    await state(id, { type: "task.succeeded", post: {} });
    const { messages, comments } = await reading;
    expect(messages.map((m) => m.json.type)).toEqual(["task.queued", "task.failed", "task.queued", "task.started", "task.succeeded"]);
    expect(comments).toContain("heartbeat");
  });

  it("ends at once for a Last-Event-ID at or past a finished stream's end", async () => {
    const id = "00000000-0000-7000-8000-000000000004";
    await state(id, { type: "task.queued" });
    await state(id, { type: "task.succeeded", post: {} });
    const all = await readSse(`${url}/events/${id}`);
    const lastId = all.messages.at(-1)?.id ?? "";
    for (const after of [lastId, "99999999999999-0"]) {
      const { messages, comments } = await readSse(`${url}/events/${id}`, { headers: { "last-event-id": after } });
      expect(messages).toEqual([]);
      expect(comments).not.toContain("heartbeat");
    }
  });

  it("rebuilds a stream Redis lost from the outbox before replaying it", async () => {
    const id = "00000000-0000-7000-8000-000000000005";
    await state(id, { type: "task.queued" });
    await state(id, { type: "task.started", attempt: 1 });
    await state(id, { type: "task.succeeded", post: {} });
    const before = await readSse(`${url}/events/${id}`);
    await redis.del(log.key("task", id), log.highWaterKey("task", id));
    const after = await readSse(`${url}/events/${id}`);
    expect(after.messages.map((m) => [m.id, m.json.type])).toEqual(before.messages.map((m) => [m.id, m.json.type]));
  });

  it("answers an expired stream with the snapshot", async () => {
    const { messages } = await readSse(`${url}/events/00000000-0000-7000-8000-000000000003`);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.json).toMatchObject({ type: "task.succeeded", snapshot: true });
    expect(messages[0]?.id).toBeUndefined();
  });
});
