// The dashboard as a person uses it: headless Chromium against the real stack. Needs Debian's
// chromium (scripts/test installs it where it can); skipped with the reason when it is absent.
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, startPipeline } from "../pipeline/stack-fixture.ts";
import { CHROMIUM, launchChromium } from "./browser.ts";

describe.skipIf(!CHROMIUM)("dashboard in headless Chromium (needs /usr/bin/chromium: apt-get install chromium)", () => {
  let f: Fixture;
  let browser: Browser;

  beforeAll(async () => {
    f = await startPipeline({ OFFLINE_STREAM_DELAY_MS: "5" });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await f?.stack.stop();
  });

  it("submits a task from the form and shows its steps and the published post live", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    page.on("pageerror", (e) => problems.push(e.message));

    await page.goto(`${f.api}/`);
    await page.selectOption("#persona", "ai-jesus");
    await page.fill("#input", "Feeling invisible at work after a reorg");
    await page.click("#submit");

    const post = page.locator("article.post");
    await post.waitFor({ state: "visible", timeout: 30_000 });
    const text = (await post.locator(".post-text").textContent()) ?? "";
    expect(text.startsWith("🙏 ")).toBe(true);
    expect(await post.textContent()).toContain("Published");
    // The task list shows it, and the API agrees with what the page rendered.
    const tasks = (await f.json<{ items: { status: string; post: { text: string } | null }[] }>("/v1/tasks?limit=5")).body.items;
    expect(tasks[0]?.status).toBe("succeeded");
    expect(tasks[0]?.post?.text.replace(/\s+/g, " ")).toBe(text.replace(/\s+/g, " "));

    const shot = path.join(tmpdir(), "threads-agent-dashboard.png");
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`dashboard screenshot: ${shot}`);
    expect(problems).toEqual([]);
  });
});
