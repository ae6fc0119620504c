// The dashboard as a person uses it: headless Chromium against the real stack serving the Vite build
// of packages/dashboard. Needs Debian's chromium (scripts/test installs it where it can, with the
// emoji font); skipped with the reason when it is absent.
import { ensureDashboardBuilt } from "@threads-agent/testing";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, startPipeline } from "../pipeline/stack-fixture.ts";
import { CHROMIUM, launchChromium, openPage, screenshot } from "./browser.ts";
import { SAMPLE_DIFF, seedRun } from "./seed.ts";

// Code run inside the page is passed as text: this program has no DOM types.
/** No horizontal scrolling: the page is no wider than the viewport. */
const pageWidth = (page: Page) => page.evaluate<number>("document.documentElement.scrollWidth");

describe.skipIf(!CHROMIUM)("dashboard in headless Chromium (needs /usr/bin/chromium: apt-get install chromium)", () => {
  let f: Fixture;
  let browser: Browser;
  let taskId = "";

  beforeAll(async () => {
    ensureDashboardBuilt();
    // OUTAGE_BUDGET_MS=0: persona-runtime down fails a task after its attempts (a dead letter to show), not waits for it.
    f = await startPipeline({ OFFLINE_STREAM_DELAY_MS: "5", OUTAGE_BUDGET_MS: "0" });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await f?.stack.stop();
  });

  it("submits a task from the form and shows its steps, the text being written and the published post live", async () => {
    const { page, problems } = await openPage(browser, { width: 1280, height: 900 });
    // Records the longest text the live box showed while the post was being written.
    await page.addInitScript(`
      window.liveSeen = 0;
      new MutationObserver(() => {
        const live = document.querySelector(".live:not([hidden]) .live-text");
        window.liveSeen = Math.max(window.liveSeen, live?.textContent?.length ?? 0);
      }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
    `);

    await page.goto(`${f.api}/`);
    await page.selectOption("#persona", "ai-jesus");
    await page.fill("#input", "Feeling invisible at work after a reorg");
    await page.click("#submit");

    const post = page.locator("article.post");
    await post.waitFor({ state: "visible", timeout: 30_000 });
    const text = (await post.locator(".post-text").textContent()) ?? "";
    expect(text.startsWith("🙏 ")).toBe(true);
    expect(await post.textContent()).toContain("Published");
    // Every step done with its time, the streamed text seen, the events logged.
    expect(await page.locator("#detail .step.done").count()).toBe(5);
    expect(await page.locator('#detail .step[data-step="hook"] .stat').textContent()).toMatch(/^\d+ ms/);
    expect(await page.evaluate<number>("window.liveSeen")).toBeGreaterThan(0);
    const logged = await page.locator("#detail .events .type").allTextContents();
    expect(logged).toEqual(expect.arrayContaining(["task.queued", "task.started", "step.completed", "task.succeeded"]));
    expect(await page.locator("#detail .detail-head .badge").textContent()).toBe("succeeded");
    // The task list shows it, and the API agrees with what the page rendered.
    const tasks = (await f.json<{ items: { id: string; status: string; post: { text: string } | null }[] }>("/v1/tasks?limit=5")).body
      .items;
    expect(tasks[0]?.status).toBe("succeeded");
    expect(tasks[0]?.post?.text.replace(/\s+/g, " ")).toBe(text.replace(/\s+/g, " "));
    taskId = tasks[0]?.id ?? "";
    await expect.poll(() => page.locator("#task-list .badge").first().textContent()).toBe("succeeded");

    await screenshot(page, "dashboard");
    expect(problems).toEqual([]);
  });

  it("fits a 390 px wide phone screen with a post, a run's diff and the queues on the page", async () => {
    expect(taskId).not.toBe("");
    const runId = await seedRun(f.env.databaseUrl, [
      { diff: SAMPLE_DIFF, summary: "Typed greet() and added a README." },
      { diff: null, summary: "Found nothing worth changing." },
    ]);
    const { page, problems } = await openPage(browser, { width: 390, height: 844 });
    await page.goto(`${f.api}/#task=${taskId}`);
    await page.locator("#detail article.post").waitFor({ state: "visible", timeout: 15_000 });
    await page.locator("#queue-list .tile").first().waitFor();
    await page.evaluate(`location.hash = "#run=${runId}"`);
    await page.locator("#run-detail .d2h-file-wrapper").first().waitFor({ timeout: 15_000 });
    // Narrow screens start with the unified view.
    expect(await page.locator("#run-detail .d2h-file-side-diff").count()).toBe(0);
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    await screenshot(page, "dashboard-390px");

    // The two-column diff scrolls inside its box; the page stays 390 px wide.
    await page.getByRole("button", { name: "Side by side" }).click();
    await page.locator("#run-detail .d2h-file-side-diff").first().waitFor();
    expect(await pageWidth(page)).toBeLessThanOrEqual(390);
    expect(problems).toEqual([]);
  });

  it("lists a task that failed every attempt as a dead letter in the queues view and retries it from there", async () => {
    // persona-runtime down: every attempt fails and the job ends in the content queue's failed set.
    await f.stack.kill("persona-runtime");
    let failedId: string;
    try {
      failedId = (await f.createTask({ persona_id: "ai-elon", input: "Reusable rockets are getting boring, in a good way" })).id;
      await f.waitForStatus(failedId, "failed", 45_000);
    } finally {
      await f.stack.start("persona-runtime");
    }
    const queues = (await f.json<{ queues: { name: string; counts: Record<string, number> }[] }>("/v1/queues")).body.queues;
    const deadLetters = queues.find((q) => q.name === "content")?.counts.failed ?? 0;
    expect(deadLetters).toBeGreaterThanOrEqual(1);

    const { page, problems } = await openPage(browser, { width: 1280, height: 900 });
    await page.goto(`${f.api}/#queues`);
    const letter = page.locator(`#dead-list li[data-task="${failedId}"]`);
    await letter.waitFor({ timeout: 15_000 });
    expect(await letter.textContent()).toContain("Reusable rockets");
    expect(await letter.textContent()).toMatch(/3 attempts/);
    // Depth per state for every work queue, the dead letters marked.
    expect(await page.locator("#queue-list [data-queue]").evaluateAll((els) => els.map((e) => e.getAttribute("data-queue")))).toEqual([
      "content",
      "agent-runs",
      "agent-ships",
    ]);
    const contentTiles = page.locator('#queue-list [data-queue="content"] .tile');
    expect(await contentTiles.locator(".state").allTextContents()).toEqual([
      "waiting",
      "prioritized",
      "delayed",
      "waiting-children",
      "active",
      "completed",
      "failed",
    ]);
    const failedTile = page.locator('#queue-list [data-queue="content"] .tile[data-state="failed"]');
    expect(Number(await failedTile.locator(".count").textContent())).toBe(deadLetters);
    expect(await failedTile.getAttribute("class")).toContain("dead");
    await screenshot(page, "dashboard-queues");

    await letter.getByRole("button", { name: "Retry" }).click();
    await expect.poll(() => page.locator("#dead-notice").textContent()).toContain("Queued again");
    await letter.waitFor({ state: "detached" });
    await f.waitForStatus(failedId, "succeeded", 30_000);
    // The notice links to the task, which shows its post once it is written.
    await page.locator("#dead-notice a").click();
    await page.locator("#detail article.post").waitFor({ state: "visible", timeout: 30_000 });
    expect(page.url()).toContain(`#task=${failedId}`);
    expect(problems).toEqual([]);
  });
});
