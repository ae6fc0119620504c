// A dashboard older than the server it talks to: events it has no code for, events the target
// architecture announces (engagement), a dependency wait and steps it does not know arrive on
// a real task's stream, and the page keeps going. Only the orchestrator runs (the task stays
// queued); the events are appended to the task's Redis Stream the way the worker appends them.
import { TERMINAL_TASK_EVENTS } from "@threads-agent/contracts";
import { EventLog } from "@threads-agent/events";
import { ensureDashboardBuilt } from "@threads-agent/testing";
import { Redis } from "ioredis";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, startPipeline } from "../pipeline/stack-fixture.ts";
import { CHROMIUM, launchChromium, openPage, screenshot } from "./browser.ts";

describe.skipIf(!CHROMIUM)("dashboard and events it does not know, in headless Chromium (needs /usr/bin/chromium)", () => {
  let f: Fixture;
  let browser: Browser;
  let redis: Redis;

  beforeAll(async () => {
    ensureDashboardBuilt();
    f = await startPipeline({}, ["orchestrator"]);
    browser = await launchChromium();
    redis = new Redis(f.env.redisUrl);
  });
  afterAll(async () => {
    redis?.disconnect();
    await browser?.close();
    await f?.stack.stop();
  });

  it("logs unknown events as generic lines, shows announced ones, and never breaks", async () => {
    const task = await f.createTask({ persona_id: "ai-jesus", input: "Waiting rooms feel endless" });
    const events = new EventLog({ redis, prefix: f.env.redisPrefix, isTerminal: (t) => TERMINAL_TASK_EVENTS.has(t) });
    const { page, problems } = await openPage(browser, { width: 1280, height: 900 });
    await page.goto(`${f.api}/#task=${task.id}`);
    await expect.poll(() => page.locator("#detail .stream-state").textContent(), { timeout: 15_000 }).toBe("live");

    await events.append("task", task.id, { type: "task.started", attempt: 1 });
    await events.append("task", task.id, { type: "step.started", step: "translate" });
    await events.append("task", task.id, { type: "task.translated", language: "de", chars: 312 });
    await events.append("task", task.id, {
      type: "task.waiting",
      dependency: "persona-runtime",
      reason: "persona-runtime unreachable: ECONNREFUSED",
      retry_at: new Date(Date.now() + 5000).toISOString(),
    });
    // The task's status while it waits is the API's `deferred`; the notice says what for.
    await expect.poll(() => page.locator("#detail .detail-head .badge").textContent()).toBe("deferred");
    expect(await page.locator("#detail .notice").textContent()).toMatch(
      /^Waiting for persona-runtime: it is unavailable \(persona-runtime unreachable: ECONNREFUSED\)\. The task keeps its attempts/,
    );
    const unknown = page.locator("#detail .events li.unknown");
    expect(await unknown.locator(".type").allTextContents()).toEqual(["task.translated"]);
    expect(await unknown.locator(".info").textContent()).toBe("language=de · chars=312");
    // The step it does not know is logged, and the five it knows stay pending.
    expect(await page.locator("#detail .events .type").allTextContents()).toContain("step.started");
    expect(await page.locator("#detail .step.active, #detail .step.done").count()).toBe(0);

    await events.append("task", task.id, { type: "post.engagement", views: 1200, likes: 87, rate: 0.0725 });
    await expect.poll(() => page.locator("#detail .events .type").last().textContent()).toBe("post.engagement");
    expect(await page.locator("#detail .detail-head .badge").getAttribute("data-tone")).toBe("waiting");
    await screenshot(page, "unknown-events");
    expect(problems).toEqual([]);
  });
});
