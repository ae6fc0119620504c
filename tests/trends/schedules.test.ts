// Schedules, review and publish_at end to end, on the running stack: a persona schedule with a
// one-second cron creates one task per slot from the persona's freshest unused trends; a reviewed
// draft stops at awaiting_review, an approval with an edit publishes exactly the edited text (as
// fake-threads shows it), a rejection ends `rejected` with nothing published; publish_at keeps a
// task `scheduled` until its time, then it publishes.
import { QUEUES } from "@threads-agent/contracts";
import { waitFor } from "@threads-agent/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, MANY_SIMILAR_POSTS, startPipeline } from "../pipeline/stack-fixture.ts";
import { type FeedServer, rssFeed, startFeedServer } from "./feed-server.ts";

type Task = {
  id: string;
  status: string;
  trend_id: string | null;
  slot_at: string | null;
  publish_at: string | null;
  review: boolean;
  approved_at: string | null;
  error: { code: string; message: string } | null;
  post: { text: string; published_id: string | null; published_at: string | null } | null;
};
type Problem = { type: string; status: number; detail: string; errors?: { field: string; message: string }[] };

let f: Fixture;
let feeds: FeedServer;
let redis: Redis;
beforeAll(async () => {
  feeds = await startFeedServer();
  const start = Date.parse("2026-11-01T00:00:00Z");
  const items = Array.from({ length: 12 }, (_, i) => ({
    title: `Scheduled trend number ${i + 1} about calmer mornings`,
    guid: `sched-${i + 1}`,
    date: new Date(start + i * 60_000),
  }));
  await feeds.write("sched.rss", rssFeed("Schedule feed", items));
  // This file writes many offline posts for one persona; near-duplicates are not its subject.
  f = await startPipeline({ ...MANY_SIMILAR_POSTS, ALLOW_PRIVATE_FEEDS: "true" });
  redis = new Redis(f.env.redisUrl, { maxRetriesPerRequest: null });
}, 120_000);
afterAll(async () => {
  redis?.disconnect();
  await f?.stack.stop();
  await feeds?.close();
});

const inWholeSeconds = (ms: number) => new Date(Math.ceil((Date.now() + ms) / 1000) * 1000).toISOString();
const getTask = async (id: string) => (await f.json<Task>(`/v1/tasks/${id}`)).body;
const patchPersona = (id: string, body: unknown) =>
  f.json<Record<string, unknown> & Problem>(`/v1/personas/${id}`, { method: "PATCH", body });

describe("a persona schedule", () => {
  it("refuses an invalid cron pattern or time zone with a 400 naming schedule.cron / schedule.timezone", async () => {
    const cron = await patchPersona("ai-elon", { schedule: { cron: "every morning", timezone: "UTC" } });
    expect(cron.status).toBe(400);
    expect(cron.body.errors?.map((e) => e.field)).toEqual(["schedule.cron"]);
    const range = await patchPersona("ai-elon", { schedule: { cron: "0 25 * * *" } });
    expect(range.status).toBe(400);
    expect(range.body.errors?.map((e) => e.field)).toEqual(["schedule.cron"]);
    const zone = await patchPersona("ai-elon", { schedule: { cron: "0 9 * * 1-5", timezone: "Mars/Olympus_Mons" } });
    expect(zone.status).toBe(400);
    expect(zone.body.errors?.map((e) => e.field)).toEqual(["schedule.timezone"]);
    expect((await f.json<{ schedule: unknown }>("/v1/personas/ai-elon")).body.schedule).toBeNull();
  });

  it("with a one-second cron creates one task per slot, each from the freshest unused trend", async () => {
    const added = await f.json("/v1/trend-sources", { method: "POST", body: { persona_id: "ai-elon", url: feeds.url("sched.rss") } });
    expect(added.status).toBe(201);
    const set = await patchPersona("ai-elon", { schedule: { cron: "* * * * * *", timezone: "Europe/Paris" } });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.schedule).toEqual({ cron: "* * * * * *", timezone: "Europe/Paris", review: false });

    const tasks = await waitFor(
      "three scheduled tasks",
      async () => {
        const rows = await f.db.task.findMany({ where: { persona_id: "ai-elon", slot_at: { not: null } }, orderBy: { slot_at: "asc" } });
        return rows.length >= 3 ? rows : null;
      },
      30_000,
      200,
    );
    // Stop it before counting, so no new slot lands between reads.
    const off = await patchPersona("ai-elon", { schedule: null });
    expect(off.status).toBe(200);
    expect(off.body.schedule).toBeNull();
    // BullMQ keeps a queue's job schedulers in its `repeat` sorted set: the persona's is gone.
    expect(await redis.zcard(`${f.env.redisPrefix}:${QUEUES.personaSchedules}:repeat`)).toBe(0);

    const slots = tasks.map((t) => (t.slot_at as Date).getTime());
    expect(new Set(slots).size).toBe(slots.length); // one task per slot
    expect(slots.every((ms) => ms % 1000 === 0)).toBe(true); // whole seconds: the cron's slots
    // Freshest first: trend 12, then 11, then 10; each used once.
    const trendIds = tasks.map((t) => t.trend_id);
    expect(new Set(trendIds).size).toBe(trendIds.length);
    const titles = await Promise.all(
      tasks.slice(0, 3).map(async (t) => (await f.db.trend.findUniqueOrThrow({ where: { id: t.trend_id as string } })).title),
    );
    expect(titles).toEqual([12, 11, 10].map((n) => `Scheduled trend number ${n} about calmer mornings`));
    const metrics = await (await fetch(`${f.api}/metrics`)).text();
    expect(Number(/^schedule_slots_total\{[^}]*outcome="created"[^}]*\} (\S+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(3);
    const first = tasks[0] as (typeof tasks)[number];
    await f.waitForStatus(first.id, "succeeded", 60_000);
    expect(await f.published(first.id)).toHaveLength(1);
  }, 150_000);

  it("with review: its tasks stop at awaiting_review with their draft", async () => {
    const set = await patchPersona("ai-elon", { schedule: { cron: "* * * * * *", review: true } });
    expect(set.body.schedule).toEqual({ cron: "* * * * * *", timezone: "UTC", review: true });
    const since = new Date();
    const task = await waitFor(
      "a scheduled task awaiting review",
      async () => {
        const row = await f.db.task.findFirst({
          where: { persona_id: "ai-elon", slot_at: { gte: new Date(since.getTime() - 1000) }, status: "awaiting_review" },
        });
        return row ?? null;
      },
      30_000,
      200,
    );
    await patchPersona("ai-elon", { schedule: null });
    const view = await getTask(task.id);
    expect(view).toMatchObject({ status: "awaiting_review", review: true, approved_at: null });
    expect(view.post?.text.length).toBeGreaterThan(0);
    expect(view.post?.published_id).toBeNull();
  });
});

describe("review", () => {
  it("approve with an edit publishes the edited text, exactly once", async () => {
    const created = await f.createTask({ persona_id: "ai-jesus", input: "Slow mornings before screens", review: true });
    expect(created).toMatchObject({ status: "queued", review: true });
    const draft = (await f.waitForStatus(created.id, "awaiting_review", 60_000)) as Task;
    expect(draft.post?.published_id).toBeNull();
    expect(await f.published(created.id)).toEqual([]);

    const edited = "Mornings are gentler before the phone 🌅 Give yourself ten quiet minutes first. What would you do with them?";
    const res = await f.json<Task>(`/v1/tasks/${created.id}/approve`, { method: "POST", body: { text: edited } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.approved_at).toEqual(expect.any(String));
    const done = (await f.waitForStatus(created.id, "succeeded", 60_000)) as Task;
    expect(done.post?.text).toBe(edited);
    expect(await f.threads.postsWithText(edited)).toHaveLength(1);
    expect(await f.threads.postsWithText(draft.post?.text as string)).toHaveLength(0);

    // SSE carries the review: awaiting_review with the draft, approved with the edit, then the publish.
    const { messages } = await f.events(created.id);
    const types = messages.map((m) => m.json.type);
    expect(types).toEqual(expect.arrayContaining(["task.awaiting_review", "task.approved", "task.succeeded"]));
    expect(types.indexOf("task.awaiting_review")).toBeLessThan(types.indexOf("task.approved"));
    expect(messages.find((m) => m.json.type === "task.approved")?.json).toMatchObject({ edited: true, text: edited });

    // Approving again is a conflict, as problem+json.
    const again = await f.json<Problem>(`/v1/tasks/${created.id}/approve`, { method: "POST", body: {} });
    expect(again.status).toBe(409);
    expect(again.headers.get("content-type")).toMatch(/application\/problem\+json/);
    expect(again.body.detail).toMatch(/awaiting_review/);
  });

  it("an edit the guardrail or Threads' length rule refuses is a 422 naming text; the draft still waits", async () => {
    const created = await f.createTask({ persona_id: "ai-jesus", input: "Quiet evenings", review: true });
    await f.waitForStatus(created.id, "awaiting_review", 60_000);
    const blocked = await f.json<Problem>(`/v1/tasks/${created.id}/approve`, {
      method: "POST",
      body: { text: "This will kill your evening routine." },
    });
    expect(blocked.status).toBe(422);
    expect(blocked.body.errors?.map((e) => e.field)).toEqual(["text"]);
    expect(blocked.body.detail).toMatch(/guardrail/);
    const long = await f.json<Problem>(`/v1/tasks/${created.id}/approve`, { method: "POST", body: { text: "🙏".repeat(126) } });
    expect(long.status).toBe(422);
    expect(long.body.errors?.map((e) => e.field)).toEqual(["text"]);
    expect(long.body.detail).toMatch(/504 characters/);
    expect((await getTask(created.id)).status).toBe("awaiting_review");
  });

  it("reject ends the task rejected with its reason, and nothing is published", async () => {
    const created = await f.createTask({ persona_id: "ai-jesus", input: "Saying no kindly", review: true });
    const draft = (await f.waitForStatus(created.id, "awaiting_review", 60_000)) as Task;
    const missing = await f.json<Problem>(`/v1/tasks/${created.id}/reject`, { method: "POST", body: {} });
    expect(missing.status).toBe(400);
    expect(missing.body.errors?.map((e) => e.field)).toEqual(["reason"]);
    const res = await f.json<Task>(`/v1/tasks/${created.id}/reject`, { method: "POST", body: { reason: "Off-brand for this week" } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "rejected", error: { code: "rejected", message: "Off-brand for this week" } });
    expect((await f.json(`/v1/tasks/${created.id}/approve`, { method: "POST", body: {} })).status).toBe(409);
    expect((await f.json(`/v1/tasks/${created.id}/reject`, { method: "POST", body: { reason: "again" } })).status).toBe(409);
    const { messages } = await f.events(created.id);
    expect(messages.at(-1)?.json).toMatchObject({ type: "task.rejected", reason: "Off-brand for this week" });
    expect(await f.threads.postsWithText(draft.post?.text as string)).toHaveLength(0);
    expect((await getTask(created.id)).post?.published_id).toBeNull();
  });
});

describe("publish_at", () => {
  it("waits in scheduled, then publishes at its time", async () => {
    // Whole seconds: Threads stamps posts to the second.
    const publishAt = inWholeSeconds(4000);
    const created = await f.createTask({ persona_id: "ai-jesus", input: "Patience with slow progress", publish_at: publishAt });
    expect(created).toMatchObject({ status: "scheduled", publish_at: publishAt, post: null });
    const done = (await f.waitForStatus(created.id, "succeeded", 60_000)) as Task;
    expect(Date.parse(done.post?.published_at as string)).toBeGreaterThanOrEqual(Date.parse(publishAt));
    expect(await f.published(created.id)).toHaveLength(1);
    const { messages } = await f.events(created.id);
    const types = messages.map((m) => m.json.type);
    expect(types[0]).toBe("task.scheduled");
    expect(messages[0]?.json).toMatchObject({ publish_at: publishAt });
    expect(types.at(-1)).toBe("task.succeeded");
  }, 150_000);

  it("with review: the draft is written at once; approved, it waits for publish_at, then publishes", async () => {
    const publishAt = inWholeSeconds(6000);
    const created = await f.createTask({ persona_id: "ai-jesus", input: "Letting go of perfect", publish_at: publishAt, review: true });
    expect(created.status).toBe("queued");
    await f.waitForStatus(created.id, "awaiting_review", 60_000);
    const approved = await f.json<Task>(`/v1/tasks/${created.id}/approve`, { method: "POST", body: {} });
    expect(approved.status).toBe(202);
    expect(approved.body.status).toBe("scheduled");
    const done = (await f.waitForStatus(created.id, "succeeded", 60_000)) as Task;
    expect(Date.parse(done.post?.published_at as string)).toBeGreaterThanOrEqual(Date.parse(publishAt));
    expect(await f.published(created.id)).toHaveLength(1);
  }, 150_000);

  it("cancels while scheduled: nothing is published", async () => {
    const created = await f.createTask({
      persona_id: "ai-jesus",
      input: "Rest days count",
      publish_at: new Date(Date.now() + 3600_000).toISOString(),
    });
    const res = await f.json<Task>(`/v1/tasks/${created.id}/cancel`, { method: "POST" });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("cancelled");
  });
});
