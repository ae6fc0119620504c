// The review queue as a person uses it, in headless Chromium against the real stack: drafts wait in
// the Review panel, one is approved with an edit (fake-threads shows exactly the edited text), one
// is rejected with a reason (nothing published), an edit the guardrail refuses shows its error under
// the text, and a scheduled post is listed with its time. The strict CSP holds throughout (any
// violation is a console error, which fails the test).
import { ensureDashboardBuilt } from "@threads-agent/testing";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, startPipeline } from "../pipeline/stack-fixture.ts";
import { CHROMIUM, launchChromium, openPage, screenshot } from "./browser.ts";

describe.skipIf(!CHROMIUM)("the review queue in headless Chromium (needs /usr/bin/chromium: apt-get install chromium)", () => {
  let f: Fixture;
  let browser: Browser;

  beforeAll(async () => {
    ensureDashboardBuilt();
    f = await startPipeline({ OFFLINE_STREAM_DELAY_MS: "0" });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await f?.stack.stop();
  });

  it("approves an edited draft, rejects another, refuses a blocked edit, and lists a scheduled post with its time", async () => {
    const approveMe = await f.createTask({ persona_id: "ai-jesus", input: "Grace for the days nothing gets done", review: true });
    const rejectMe = await f.createTask({ persona_id: "ai-elon", input: "Launch windows and patience", review: true });
    const publishAt = new Date(Date.now() + 3 * 3600_000).toISOString();
    const later = await f.createTask({ persona_id: "ai-jesus", input: "Sunday rest, planned ahead", publish_at: publishAt });
    await f.waitForStatus(approveMe.id, "awaiting_review", 60_000);
    const rejectedDraft = (await f.waitForStatus(rejectMe.id, "awaiting_review", 60_000)) as { post: { text: string } };

    const { page, problems } = await openPage(browser, { width: 1280, height: 1000 });
    await page.goto(`${f.api}/#review`);
    const first = page.locator(`#review-list li[data-task="${approveMe.id}"]`);
    const second = page.locator(`#review-list li[data-task="${rejectMe.id}"]`);
    await first.waitFor({ timeout: 15_000 });
    await second.waitFor();
    expect(await first.textContent()).toContain("Grace for the days nothing gets done");
    const scheduled = page.locator(`#scheduled-list li[data-task="${later.id}"]`);
    await scheduled.waitFor();
    expect(await scheduled.locator("time").getAttribute("datetime")).toBe(publishAt);
    expect(await scheduled.textContent()).toContain("Sunday rest, planned ahead");
    await screenshot(page, "dashboard-review");

    // An edit the guardrail refuses: the error sits under the text, the draft stays.
    const editor = first.locator("textarea.review-text");
    await editor.fill("Some days the best you can do is not kill yourself with guilt.");
    expect(await first.getByRole("button", { name: "Approve edit" }).count()).toBe(1);
    await first.getByRole("button", { name: "Approve edit" }).click();
    const textError = first.locator('[data-review-field="text"]');
    await expect.poll(() => textError.isVisible()).toBe(true);
    expect(await textError.textContent()).toMatch(/kill/);
    expect((await f.json<{ status: string }>(`/v1/tasks/${approveMe.id}`)).body.status).toBe("awaiting_review");

    // Edit and approve: it leaves the queue and goes out as edited.
    const edited = "Some days nothing gets done, and that is allowed 🙏 Rest is not a failure. What would you forgive yourself for today?";
    await editor.fill(edited);
    await first.getByRole("button", { name: "Approve edit" }).click();
    await first.waitFor({ state: "detached" });
    await expect.poll(() => page.locator("#review-notice").textContent()).toContain("Approved");
    await f.waitForStatus(approveMe.id, "succeeded", 60_000);
    expect((await f.threads.postsWithText(edited)).length).toBe(1);

    // Reject without a reason is stopped in the page; with one, the task ends rejected, nothing published.
    await second.getByRole("button", { name: "Reject" }).click();
    await expect.poll(() => second.locator('[data-review-field="reason"]').isVisible()).toBe(true);
    await second.locator("input.review-reason").fill("Too close to last week's post");
    await second.getByRole("button", { name: "Reject" }).click();
    await second.waitFor({ state: "detached" });
    const rejected = (await f.json<{ status: string; error: { message: string } }>(`/v1/tasks/${rejectMe.id}`)).body;
    expect(rejected).toMatchObject({ status: "rejected", error: { message: "Too close to last week's post" } });
    expect(await f.threads.postsWithText(rejectedDraft.post.text)).toEqual([]);
    await expect.poll(() => page.locator("#review-list .empty").textContent()).toBe("Nothing waits for a review.");

    // The task detail of the rejected draft says so, with the reason.
    await page.evaluate(`location.hash = "#task=${rejectMe.id}"`);
    await expect.poll(() => page.locator("#detail .detail-head .badge").textContent()).toBe("rejected");
    expect(await page.locator("#detail").textContent()).toContain("Too close to last week's post");
    await screenshot(page, "dashboard-review-done");
    // The browser logs the refused edit's 422 as a failed resource: that one was the point.
    expect(problems.filter((p) => !/status of 422/.test(p))).toEqual([]);
  });

  it("the form sends review and publish_at; empty input asks for the freshest trend", async () => {
    const { page, problems } = await openPage(browser, { width: 1280, height: 900 });
    await page.goto(`${f.api}/`);
    await page.selectOption("#persona", "ai-jesus");
    // No input and no trend source: the API's 422 names input, shown under the field.
    await page.click("#submit");
    const inputError = page.locator('[data-field="input"]');
    await expect.poll(() => inputError.isVisible()).toBe(true);
    expect(await inputError.textContent()).toMatch(/no unused trend/);
    await page.fill("#input", "Small kindnesses at the office");
    await page.check("#review-first");
    // Two days ahead at 09:30, in the browser's own time zone (datetime-local has no offset).
    const local = await page.evaluate<string>(`(() => {
      const d = new Date(Date.now() + 2 * 86400000);
      const pad = (n) => String(n).padStart(2, "0");
      return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T09:30";
    })()`);
    await page.fill("#publish-at", local);
    await page.click("#submit");
    await page.locator("#detail .detail-head").waitFor();
    const [task] = (
      await f.json<{ items: { id: string; review: boolean; publish_at: string | null; input: string }[] }>("/v1/tasks?limit=1")
    ).body.items;
    expect(task).toMatchObject({ input: "Small kindnesses at the office", review: true });
    // The browser's local 09:30 on that day, as an absolute time.
    expect(new Date(task?.publish_at as string).getTime()).toBe(
      await page.evaluate<number>(`new Date(${JSON.stringify(local)}).getTime()`),
    );
    await page.locator(`#review-list li[data-task="${task?.id}"]`).waitFor({ timeout: 30_000 });
    expect(await page.locator(`#review-list li[data-task="${task?.id}"] .sub`).textContent()).toMatch(/publishes at .* once approved/);
    expect(problems.filter((p) => !/status of 422/.test(p))).toEqual([]);
  });
});
