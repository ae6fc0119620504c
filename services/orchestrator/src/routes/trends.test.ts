// Trend sources, persona schedules and review through the orchestrator's API (in process, with
// private feeds off as in the chart): the public-address policy on feed URLs, schedule validation,
// one task per schedule slot however many times its job runs, and approve/reject in the wrong state.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { QUEUES } from "@threads-agent/contracts";
import { Queue } from "bullmq";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTask, type Orchestrator, startOrchestrator } from "../test-fixture.ts";

let o: Orchestrator;
let feed: http.Server;
let feedUrl = "";

beforeAll(async () => {
  o = await startOrchestrator({ ALLOW_PRIVATE_FEEDS: "false" });
  feed = http.createServer((_req, res) => {
    res
      .writeHead(200, { "content-type": "application/rss+xml" })
      .end(
        `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>A local item</title><guid>g1</guid></item></channel></rss>`,
      );
  });
  await new Promise<void>((resolve) => feed.listen(0, "127.0.0.1", resolve));
  feedUrl = `http://127.0.0.1:${(feed.address() as AddressInfo).port}/feed.xml`;
});
afterAll(async () => {
  await o?.close();
  await new Promise((resolve) => feed?.close(resolve));
});

const post = (url: string, payload: unknown) =>
  o.app.inject({ method: "POST", url, headers: { "content-type": "application/json" }, payload: JSON.stringify(payload) });

function expectProblem(res: LightMyRequestResponse, status: number, field?: string) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
  const problem = res.json() as { detail: string; errors?: { field: string; message: string }[] };
  if (field) expect(problem.errors?.map((e) => e.field)).toEqual([field]);
  return problem;
}

describe("POST /v1/trend-sources with ALLOW_PRIVATE_FEEDS off", () => {
  it("refuses the local feed server (a loopback address) and never fetches it", async () => {
    let fetched = 0;
    feed.on("request", () => fetched++);
    const problem = expectProblem(await post("/v1/trend-sources", { persona_id: "ai-jesus", url: feedUrl }), 400, "url");
    expect(problem.errors?.[0]?.message).toMatch(/loopback|private/);
    expect(problem.errors?.[0]?.message).toMatch(/ALLOW_PRIVATE_FEEDS/);
    expect(fetched).toBe(0);
    expect(await o.db.trendSource.count()).toBe(0);
  });

  it.each([
    ["a private address", "http://10.1.2.3/feed"],
    ["cloud metadata (link-local)", "http://169.254.169.254/latest/meta-data"],
    ["IPv6 loopback", "http://[::1]:8080/rss"],
    ["an IPv4-mapped private address", "http://[::ffff:192.168.1.1]/rss"],
    ["localhost", "http://localhost:9009/feed"],
    ["a cluster-internal name", "http://orchestrator.default.svc.cluster.local/feed"],
    ["a single-label name", "http://redis/feed"],
    ["a numeric disguise", "http://2130706433/feed"],
    ["another scheme", "file:///etc/passwd"],
    ["credentials", "https://user:pw@example.com/feed"],
    ["not a URL", "feeds please"],
  ])("refuses %s with a 400 naming url", async (_label, url) => {
    expectProblem(await post("/v1/trend-sources", { persona_id: "ai-jesus", url }), 400, "url");
  });

  it("names persona_id for an unknown persona", async () => {
    const other = await startOrchestrator({ ALLOW_PRIVATE_FEEDS: "true" });
    try {
      const res = await other.app.inject({ method: "POST", url: "/v1/trend-sources", payload: { persona_id: "ai-nobody", url: feedUrl } });
      expectProblem(res, 422, "persona_id");
    } finally {
      await other.close();
    }
  });
});

describe("persona schedules", () => {
  it("POST /v1/personas checks the schedule too", async () => {
    const res = await post("/v1/personas", {
      id: "ai-sched",
      name: "Sched",
      emoji: "⏰",
      temperament: "calm",
      hook_prompt: "about {input}",
      body_prompt: "after {hook}",
      schedule: { cron: "61 * * * *" },
    });
    expectProblem(res, 400, "schedule.cron");
  });

  it("the job schedulers follow the database: a lost one is upserted again, a stale one removed", async () => {
    const queue = new Queue(QUEUES.personaSchedules, { connection: o.redis, prefix: o.config.REDIS_PREFIX });
    try {
      await o.db.persona.update({ where: { id: "ai-jesus" }, data: { schedule_cron: "30 8 * * *", schedule_timezone: "Asia/Tokyo" } });
      await o.schedules.syncAll();
      const [scheduler] = await queue.getJobSchedulers(0, -1);
      expect(scheduler).toMatchObject({ key: "persona:ai-jesus", pattern: "30 8 * * *", tz: "Asia/Tokyo" });
      // The next slot is 08:30 in Tokyo.
      expect(new Date(scheduler?.next as number).toISOString()).toMatch(/T23:30:00\.000Z$/);
      await o.db.persona.update({ where: { id: "ai-jesus" }, data: { schedule_cron: null, schedule_timezone: null } });
      await o.schedules.syncAll();
      expect(await queue.getJobSchedulersCount()).toBe(0);
    } finally {
      await queue.close();
    }
  });

  it("two runs of one slot (two replicas, or a job that ran again) create one task", async () => {
    await o.db.persona.update({ where: { id: "ai-elon" }, data: { schedule_cron: "0 9 * * *", schedule_timezone: "UTC" } });
    const source = await o.db.trendSource.create({
      data: { id: crypto.randomUUID(), persona_id: "ai-elon", url: "https://example.com/x" },
    });
    await o.db.trend.createMany({
      data: [1, 2, 3].map((n) => ({
        id: crypto.randomUUID(),
        persona_id: "ai-elon",
        source_id: source.id,
        guid: `slot-${n}`,
        title: `Slot trend ${n}`,
      })),
    });
    const slot = new Date("2026-12-02T09:00:00Z");
    const results = await Promise.all([
      o.schedules.runSlot("ai-elon", slot),
      o.schedules.runSlot("ai-elon", slot),
      o.schedules.runSlot("ai-elon", slot),
    ]);
    expect(results.filter((id) => id !== null)).toHaveLength(1);
    expect(await o.db.task.count({ where: { persona_id: "ai-elon", slot_at: slot } })).toBe(1);
    // The losers' trend claims rolled back with their inserts: one trend used.
    expect(await o.db.trend.count({ where: { persona_id: "ai-elon", used_at: { not: null } } })).toBe(1);
  });
});

describe("approve and reject", () => {
  it("are 409 problem+json for a task that is not awaiting review, 404 for none", async () => {
    const task = await createTask(o);
    const approve = expectProblem(await post(`/v1/tasks/${task.id}/approve`, {}), 409);
    expect(approve.detail).toMatch(/queued; only a task awaiting_review can be approved/);
    expectProblem(await post(`/v1/tasks/${task.id}/reject`, { reason: "no" }), 409);
    expectProblem(await post(`/v1/tasks/${crypto.randomUUID()}/approve`, {}), 404);
  });

  it("publish_at must be an ISO time with an offset, at most a year ahead", async () => {
    expectProblem(await post("/v1/tasks", { persona_id: "ai-jesus", input: "x", publish_at: "2026-12-01 10:00" }), 400, "publish_at");
    expectProblem(await post("/v1/tasks", { persona_id: "ai-jesus", input: "x", publish_at: "2099-01-01T00:00:00Z" }), 400, "publish_at");
  });
});
