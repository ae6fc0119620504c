// A deployment with API keys: the dashboard asks for one on the first 401, keeps it in local
// storage, sends it on every call and in the event stream's query (EventSource cannot send
// headers). Only the orchestrator runs. Skipped with the reason when Chromium is absent.
import { ensureDashboardBuilt } from "@threads-agent/testing";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, startPipeline } from "../pipeline/stack-fixture.ts";
import { CHROMIUM, launchChromium, openPage, screenshot } from "./browser.ts";

describe.skipIf(!CHROMIUM)("dashboard behind API keys, in headless Chromium (needs /usr/bin/chromium)", () => {
  let f: Fixture;
  let browser: Browser;

  beforeAll(async () => {
    ensureDashboardBuilt();
    f = await startPipeline({ API_KEYS: "dashboard-test-key" }, ["orchestrator"]);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await f?.stack.stop();
  });

  it("asks for a key, then loads everything with it, live stream included", async () => {
    const { page, problems } = await openPage(browser, { width: 1280, height: 900 });
    await page.goto(`${f.api}/`);
    const dialog = page.locator("#key-dialog");
    await dialog.waitFor({ state: "visible" });
    expect(await dialog.locator("#key-reason").textContent()).toMatch(/^This deployment requires an API key/);
    await screenshot(page, "api-key-dialog");

    await page.fill("#key-input", "wrong-key");
    await page.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "visible" });
    await expect.poll(() => dialog.locator("#key-reason").textContent()).toMatch(/^The saved API key was not accepted/);

    await page.fill("#key-input", "dashboard-test-key");
    await page.getByRole("button", { name: "Save" }).click();
    await dialog.waitFor({ state: "hidden" });
    await expect.poll(() => page.locator("#persona option").allTextContents()).toContain("🙏  AI Jesus");
    expect(await page.evaluate(`localStorage.getItem("threads-agent.api-key")`)).toBe("dashboard-test-key");

    await page.selectOption("#persona", "ai-jesus");
    await page.fill("#input", "Queued behind a key");
    await page.click("#submit");
    await expect.poll(() => page.locator("#detail .detail-head .badge").textContent(), { timeout: 15_000 }).toBe("queued");
    await expect.poll(() => page.locator("#detail .stream-state").textContent(), { timeout: 15_000 }).toBe("live");
    await expect.poll(() => page.locator("#detail .events .type").allTextContents()).toContain("task.queued");
    // The 401s before the key was saved are the only errors the console saw.
    expect(problems.every((p) => /401/.test(p))).toBe(true);
  });
});
