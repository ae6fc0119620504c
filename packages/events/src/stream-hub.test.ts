import net from "node:net";
import { TERMINAL_TASK_EVENTS } from "@threads-agent/contracts";
import { createDb, recordEvent } from "@threads-agent/db";
import { followSse, listen, readSse, type SseMessage, testEnv } from "@threads-agent/testing";
import Fastify from "fastify";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { EventLog } from "./event-log.ts";
import { OutboxRelay } from "./outbox-relay.ts";
import { streamEvents } from "./sse.ts";
import { StreamHub } from "./stream-hub.ts";

const env = testEnv();
// Named connections, so the test can count this process's clients on the shared Redis.
const redis = new Redis(env.redisUrl, { connectionName: `${env.redisPrefix}-shared` });
const db = createDb(env.databaseUrl);
const log = new EventLog({ redis, prefix: env.redisPrefix, isTerminal: (t) => TERMINAL_TASK_EVENTS.has(t), retentionSeconds: 60 });
const relay = new OutboxRelay({ db, logs: { task: log }, logger: { warn: () => {}, info: () => {}, error: () => {} } });
const hub = new StreamHub({ redis, name: `${env.redisPrefix}-hub` });
const state = async (id: string, event: { type: string } & Record<string, unknown>) =>
  relay.announce([await recordEvent(db, { entity: "task", id }, event)]);
let dropped = 0;
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
    heartbeatMs: 1000,
    maxBufferedBytes: 256 * 1024,
    onDrop: () => dropped++,
  });
});
let url = "";
let port = 0;

const uuid = (n: number) => `00000000-0000-7000-8000-${String(n).padStart(12, "0")}`;
/** This test's clients on the shared Redis (its own connection names). */
async function ownClients(): Promise<number> {
  const list = (await redis.client("LIST")) as string;
  return list.split("\n").filter((line) => line.includes(` name=${env.redisPrefix}-`)).length;
}

beforeAll(async () => {
  const listening = await listen(app);
  url = listening.url;
  port = listening.port;
});
afterAll(async () => {
  await app.close();
  await hub.close();
  redis.disconnect();
  await db.$disconnect();
});

describe("the shared stream reader", () => {
  it("holds one Redis connection however many viewers follow however many streams", async () => {
    const ids = [uuid(101), uuid(102), uuid(103)];
    for (const id of ids) await state(id, { type: "task.queued" });
    const follow = (count: number) =>
      Array.from({ length: count }, (_, i) =>
        readSse(`${url}/events/${ids[i % ids.length]}`, { until: (m) => m.json.type === "task.succeeded" }),
      );
    const few = follow(3);
    await vi.waitFor(() => expect(hub.size.listeners).toBe(3), { timeout: 20_000, interval: 20 });
    const withFew = await ownClients();
    const many = follow(150);
    await vi.waitFor(() => expect(hub.size.listeners).toBe(153), { timeout: 20_000, interval: 20 });
    expect(await ownClients()).toBe(withFew);
    expect(withFew).toBe(2); // the shared connection and the hub's reader
    expect(hub.connections).toBe(1);
    for (const id of ids) {
      await log.append("task", id, { type: "step.started", step: "hook" });
      await state(id, { type: "task.succeeded", post: {} });
    }
    for (const { messages } of await Promise.all([...few, ...many])) {
      expect(messages.map((m) => m.json.type)).toEqual(["task.queued", "step.started", "task.succeeded"]);
    }
    await vi.waitFor(() => expect(hub.size).toEqual({ streams: 0, listeners: 0 }), { timeout: 20_000, interval: 20 });
  });

  it("joins history and live at the seam with no gap and no duplicate, whatever the Last-Event-ID and timing", async () => {
    const id = uuid(201);
    await state(id, { type: "task.queued" });
    // One viewer from the start keeps the hub ahead of every newcomer's history.
    const first = readSse(`${url}/events/${id}`, { until: (m) => m.json.type === "task.succeeded", timeoutMs: 60_000 });
    const readers: { after: string | undefined; done: ReturnType<typeof readSse> }[] = [];
    const written: string[] = [];
    for (let i = 0; i < 60; i++) {
      written.push(
        ...(await log.appendMany("task", id, [
          { type: "step.delta", i, text: "x" },
          { type: "step.delta", i, text: "y" },
        ])),
      );
      // Newcomers at every point: from the start, from a recent id, from an old one.
      const after = i % 3 === 0 ? undefined : written[Math.max(0, written.length - 1 - (i % 7) * 5)];
      readers.push({
        after,
        done: readSse(`${url}/events/${id}`, {
          headers: after ? { "last-event-id": after } : {},
          until: (m) => m.json.type === "task.succeeded",
          timeoutMs: 60_000,
        }),
      });
      if (i % 4 === 0) await new Promise((r) => setImmediate(r));
    }
    await state(id, { type: "task.succeeded", post: {} });
    const stream = (await log.range("task", id, "0-0", 10_000)).map((e) => e.id);
    const expectAfter = (after: string | undefined, messages: SseMessage[]) =>
      expect(messages.map((m) => m.id)).toEqual(after ? stream.slice(stream.indexOf(after) + 1) : stream);
    expectAfter(undefined, (await first).messages);
    for (const reader of readers) expectAfter(reader.after, (await reader.done).messages);
  });

  it("hands a late subscriber the hub's position so it can read the gap itself", async () => {
    const id = uuid(301);
    const key = log.key("task", id);
    const [a, b, c] = await log.appendMany("task", id, [{ type: "step.delta" }, { type: "step.delta" }, { type: "step.delta" }]);
    const early: string[] = [];
    const sub = hub.subscribe(key, "0-0", (batch) => early.push(...batch.entries.map((e) => e.id)));
    await vi.waitFor(() => expect(early).toEqual([a, b, c]), { timeout: 20_000, interval: 20 });
    const late: string[] = [];
    const lateSub = hub.subscribe(key, a as string, (batch) => late.push(...batch.entries.map((e) => e.id)));
    expect(lateSub.joinedAt).toBe(c); // (a, c] is the late subscriber's to read; what follows reaches it
    const [d] = await log.appendMany("task", id, [{ type: "step.delta" }]);
    await vi.waitFor(() => expect(late).toEqual([d]), { timeout: 20_000, interval: 20 });
    expect(early).toEqual([a, b, c, d]);
    sub.unsubscribe();
    lateSub.unsubscribe();
  });

  it("cuts off a client that stops reading without slowing the others; it resumes exactly with Last-Event-ID", async () => {
    const id = uuid(401);
    await state(id, { type: "task.queued" });
    // A client that sends its request and then never reads.
    const slow = net.connect(port, "127.0.0.1");
    slow.write(`GET /events/${id} HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n`);
    slow.pause();
    let slowClosed = false;
    slow.on("close", () => {
      slowClosed = true;
    });
    slow.on("error", () => {});
    const fast = followSse(`${url}/events/${id}`, { timeoutMs: 120_000 });
    await vi.waitFor(() => expect(hub.size.listeners).toBe(2), { timeout: 20_000, interval: 20 });
    const before = dropped;
    const text = "z".repeat(4 * 1024);
    // Batches far below the bound, each read by the fast client before the next: only the slow one falls behind.
    let sent = 0;
    while (dropped === before && sent < 10_000) {
      await log.appendMany(
        "task",
        id,
        Array.from({ length: 10 }, (_, i) => ({ type: "step.delta", i: sent + i, text })),
      );
      sent += 10;
      await vi.waitFor(() => expect(fast.seen.length).toBe(sent + 1), { timeout: 20_000, interval: 5 });
    }
    await state(id, { type: "task.succeeded", post: {} });
    const { messages } = await fast.done;
    expect(messages).toHaveLength(sent + 2);
    expect(dropped).toBe(before + 1);
    // What the slow client got before it was cut off, read now, and the rest on reconnect.
    slow.resume();
    let raw = "";
    slow.setEncoding("utf8");
    slow.on("data", (chunk: string) => {
      raw += chunk;
    });
    await vi.waitFor(() => expect(slowClosed).toBe(true), { timeout: 20_000, interval: 20 });
    const ids = [...raw.matchAll(/^id: (\S+)$/gm)].map((m) => m[1] as string);
    const complete = raw.lastIndexOf("\n\n");
    const seen = ids.filter((seenId) => raw.indexOf(`id: ${seenId}\n`) < complete);
    const lastSeen = seen.at(-1) as string;
    expect(seen.length).toBeLessThan(sent + 2);
    const rest = await readSse(`${url}/events/${id}`, { headers: { "last-event-id": lastSeen } });
    expect([...seen, ...rest.messages.map((m) => m.id)]).toEqual(messages.map((m) => m.id));
  });
});
