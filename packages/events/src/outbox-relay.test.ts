// The outbox relay against the real PostgreSQL and Redis: order, no duplicates whoever publishes,
// resumption after a crash, and streams rebuilt after Redis lost them.
import { randomUUID } from "node:crypto";
import { TERMINAL_RUN_EVENTS, TERMINAL_TASK_EVENTS } from "@threads-agent/contracts";
import { type Announcement, createDb, insertTask, Lifecycle, recordEvent, TASK_LIFECYCLE, transition } from "@threads-agent/db";
import { testEnv } from "@threads-agent/testing";
import { Redis } from "ioredis";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { EventLog } from "./event-log.ts";
import { OutboxRelay } from "./outbox-relay.ts";

const env = testEnv();
const db = createDb(env.databaseUrl);
const redis = new Redis(env.redisUrl);
const quiet = { warn: () => {}, info: () => {}, error: () => {} };
let logs: { task: EventLog; run: EventLog };
let relay: OutboxRelay;

beforeEach(() => {
  const prefix = `${env.redisPrefix}-${randomUUID().slice(0, 8)}`;
  logs = {
    task: new EventLog({ redis, prefix, retentionSeconds: 60, isTerminal: (t) => TERMINAL_TASK_EVENTS.has(t) }),
    run: new EventLog({ redis, prefix, retentionSeconds: 60, isTerminal: (t) => TERMINAL_RUN_EVENTS.has(t) }),
  };
  relay = new OutboxRelay({ db, logs, logger: quiet, minAgeMs: 0 });
});
afterAll(async () => {
  await db.$disconnect();
  redis.disconnect();
});

async function newTask(): Promise<string> {
  const id = randomUUID();
  await db.task.create({ data: { id, persona_id: "ai-elon", input: "relay" } });
  return id;
}

const types = async (id: string) => (await logs.task.range("task", id)).map((e) => e.event.type);

describe("outbox relay", () => {
  it("publishes committed rows in commit order and records their stream ids", async () => {
    const id = await newTask();
    const lifecycle = new Lifecycle(db, relay);
    await lifecycle.event({ entity: "task", id }, { type: "task.queued" });
    await lifecycle.task({ id, to: "running", event: { type: "task.started", attempt: 1 } });
    await lifecycle.task({ id, to: "succeeded", event: { type: "task.succeeded", post: null } });
    const entries = await logs.task.range("task", id);
    expect(entries.map((e) => e.event.type)).toEqual(["task.queued", "task.started", "task.succeeded"]);
    expect(entries[1]?.event).toMatchObject({ task_id: id, attempt: 1 });
    const rows = await db.outboxEvent.findMany({ where: { entity_id: id }, orderBy: { id: "asc" } });
    expect(rows.map((r) => r.stream_id)).toEqual(entries.map((e) => e.id));
    expect(rows.every((r) => r.sent_at !== null)).toBe(true);
    // A terminal event starts the retention clock of the stream and its high-water mark.
    expect(await redis.ttl(logs.task.key("task", id))).toBeGreaterThan(0);
    expect(await redis.ttl(logs.task.highWaterKey("task", id))).toBeGreaterThan(0);
  });

  it("never adds a row twice, however many publishers race", async () => {
    const id = await newTask();
    for (let i = 0; i < 20; i++)
      await recordEvent(db, { entity: "task", id }, { type: "task.retrying", attempt: i, error: "x", delay_ms: 0 });
    const others = Array.from({ length: 4 }, () => new OutboxRelay({ db, logs, logger: quiet, minAgeMs: 0 }));
    await Promise.all([...others, relay].map((r) => r.publish({ entity: "task", id })));
    const attempts = (await logs.task.range("task", id)).map((e) => e.event.attempt);
    expect(attempts).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("publishes rows nobody announced (the writer died after its commit), oldest first", async () => {
    const a = await newTask();
    const b = await newTask();
    await transition(db, TASK_LIFECYCLE, { id: a, to: "running", event: { type: "task.started", attempt: 1 } });
    await recordEvent(db, { entity: "task", id: b }, { type: "task.queued" });
    expect(await relay.relayPending()).toBe(2);
    expect(await types(a)).toEqual(["task.started"]);
    expect(await types(b)).toEqual(["task.queued"]);
    expect(await relay.relayPending()).toBe(0);
  });

  it("settles rows published by a writer that died before marking them sent, without publishing them again", async () => {
    const id = await newTask();
    await recordEvent(db, { entity: "task", id }, { type: "task.queued" });
    await relay.publish({ entity: "task", id });
    await db.outboxEvent.updateMany({ where: { entity_id: id }, data: { sent_at: null } });
    await relay.relayPending();
    expect(await types(id)).toEqual(["task.queued"]);
    expect(await db.outboxEvent.count({ where: { entity_id: id, sent_at: null } })).toBe(0);
  });

  it("rebuilds a stream Redis lost with the same ids, so Last-Event-ID still resumes exactly", async () => {
    const id = await newTask();
    const lifecycle = new Lifecycle(db, relay);
    await lifecycle.event({ entity: "task", id }, { type: "task.queued" });
    await lifecycle.task({ id, to: "running", event: { type: "task.started", attempt: 1 } });
    await logs.task.append("task", id, { type: "step.delta", step: "hook", text: "not state" });
    const before = await logs.task.range("task", id);
    await redis.del(logs.task.key("task", id), logs.task.highWaterKey("task", id));
    // A progress frame written after the loss makes a partial stream; the rebuild replaces it.
    await logs.task.append("task", id, { type: "step.delta", step: "body", text: "after the loss" });
    await lifecycle.task({ id, to: "succeeded", event: { type: "task.succeeded", post: null } });
    const after = await logs.task.range("task", id);
    expect(after.map((e) => e.event.type)).toEqual(["task.queued", "task.started", "task.succeeded"]);
    expect(after.slice(0, 2).map((e) => e.id)).toEqual(before.filter((e) => e.event.type !== "step.delta").map((e) => e.id));
    expect(after[2]?.event.at).toBeTypeOf("string");
  });

  it("rebuilds on demand (ensure) and leaves a complete stream alone", async () => {
    const id = await newTask();
    await recordEvent(db, { entity: "task", id }, { type: "task.queued" });
    await relay.ensure({ entity: "task", id });
    const first = await logs.task.range("task", id);
    await relay.ensure({ entity: "task", id });
    expect(await logs.task.range("task", id)).toEqual(first);
  });

  it("rebuilds a run stream with its stored lines between each variation's start and end", async () => {
    const runId = randomUUID();
    const v0 = randomUUID();
    const v1 = randomUUID();
    await db.run.create({ data: { id: runId, repo_url: "https://github.com/o/r", prompt: "p" } });
    await db.variation.createMany({
      data: [
        { id: v0, run_id: runId, index: 0 },
        { id: v1, run_id: runId, index: 1 },
      ],
    });
    const lifecycle = new Lifecycle(db, relay);
    const t0 = Date.now();
    await lifecycle.event({ entity: "run", id: runId }, { type: "run.queued", variations: 2 });
    for (const [vid, index] of [
      [v0, 0],
      [v1, 1],
    ] as const) {
      await lifecycle.variation({
        id: vid,
        streamId: runId,
        to: "scheduled",
        event: { type: "variation.scheduled", variation: index, job: `j${index}` },
      });
      await lifecycle.variation({ id: vid, streamId: runId, to: "running", event: { type: "variation.started", variation: index } });
    }
    await db.variationLine.createMany({
      data: [0, 1, 2].flatMap((seq) => [
        { variation_id: v0, seq, ts: new Date(t0 + seq), kind: "log", line: `v0 line ${seq}` },
        { variation_id: v1, seq, ts: new Date(t0 - 60_000), kind: "log", line: `v1 line ${seq}` },
      ]),
    });
    await lifecycle.variation({
      id: v0,
      streamId: runId,
      to: "succeeded",
      event: { type: "variation.succeeded", variation: 0, exit_code: 0 },
    });
    await lifecycle.variation({
      id: v1,
      streamId: runId,
      to: "failed",
      event: { type: "variation.failed", variation: 1, reason: "r", exit_code: 1 },
    });
    await lifecycle.run({ id: runId, to: "running", event: null });
    await lifecycle.run({ id: runId, to: "partially_failed", event: { type: "run.completed", status: "partially_failed" } });
    await redis.del(logs.run.key("run", runId), logs.run.highWaterKey("run", runId));

    await relay.ensure({ entity: "run", id: runId });
    const events = (await logs.run.range("run", runId)).map((e) => e.event);
    for (const v of [0, 1]) {
      const mine = events.filter((e) => e.variation === v).map((e) => (e.type === "variation.log" ? `log${e.seq}` : e.type));
      expect(mine).toEqual([
        "variation.scheduled",
        "variation.started",
        "log0",
        "log1",
        "log2",
        v === 0 ? "variation.succeeded" : "variation.failed",
      ]);
    }
    expect(events.at(-1)?.type).toBe("run.completed");
    const ids = (await logs.run.range("run", runId)).map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("leaves rows unsent while Redis is unreachable, and publishes them when it is back", async () => {
    const id = await newTask();
    const down = new Redis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const prefix = logs.task.prefix;
    const offline = new OutboxRelay({
      db,
      logs: { task: new EventLog({ redis: down, prefix, isTerminal: (t) => TERMINAL_TASK_EVENTS.has(t) }) },
      logger: quiet,
    });
    const announcement: Announcement = await recordEvent(db, { entity: "task", id }, { type: "task.queued" });
    await offline.announce([announcement]); // logged, not thrown
    expect(await db.outboxEvent.count({ where: { entity_id: id, sent_at: null } })).toBe(1);
    await relay.relayPending();
    expect(await types(id)).toEqual(["task.queued"]);
    down.disconnect();
  });

  it("publishes right after a commit without reading the mark: a new task's first row, then only rows above the mark", async () => {
    const batched = new OutboxRelay({ db, logs, logger: quiet, minAgeMs: 0, markSentDelayMs: 20 });
    const id = randomUUID();
    const created = await insertTask(db, { id, persona_id: "ai-elon", task_type: "trend", input: "fast path", trace: {} });
    await batched.announce([created.announcement]);
    const lifecycle = new Lifecycle(db, batched);
    await lifecycle.task({ id, to: "running", event: { type: "task.started", attempt: 1 } });
    // Announced again while its rows may still wait to be marked sent: nothing is added twice.
    await batched.announce([{ entity: "task", id, outboxId: 0n }]);
    await lifecycle.task({ id, to: "succeeded", event: { type: "task.succeeded", post: null } });
    expect(await types(id)).toEqual(["task.queued", "task.started", "task.succeeded"]);
    expect(await redis.ttl(logs.task.key("task", id))).toBeGreaterThan(0);
    // Marked sent in one batch a moment later, with the ids they were added under.
    await vi.waitFor(async () => expect(await db.outboxEvent.count({ where: { entity_id: id, sent_at: null } })).toBe(0), {
      timeout: 20_000,
      interval: 20,
    });
    const rows = await db.outboxEvent.findMany({ where: { entity_id: id }, orderBy: { id: "asc" } });
    expect(rows.map((r) => r.stream_id)).toEqual((await logs.task.range("task", id)).map((e) => e.id));
    await batched.stop();
  });

  it("rebuilds on the fast path when Redis lost the stream between two events", async () => {
    const id = await newTask();
    const lifecycle = new Lifecycle(db, relay);
    await lifecycle.event({ entity: "task", id }, { type: "task.queued" });
    const before = await logs.task.range("task", id);
    await redis.del(logs.task.key("task", id), logs.task.highWaterKey("task", id));
    await lifecycle.task({ id, to: "running", event: { type: "task.started", attempt: 1 } });
    const after = await logs.task.range("task", id);
    expect(after.map((e) => e.event.type)).toEqual(["task.queued", "task.started"]);
    expect(after[0]?.id).toBe(before[0]?.id);
  });
});
