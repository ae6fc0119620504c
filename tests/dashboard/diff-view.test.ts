// A run's proposed changes in headless Chromium: diff2html's table of the variation's diff from
// GET /v1/runs/:id, unified or side by side, its text escaped. Only the orchestrator runs; the run
// is written to the database directly (the offline agent only ever adds files, and this change
// also removes and rewrites lines). Skipped with the reason when Chromium is absent.
import { ensureDashboardBuilt } from "@threads-agent/testing";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, startPipeline } from "../pipeline/stack-fixture.ts";
import { CHROMIUM, launchChromium, openPage, screenshot } from "./browser.ts";
import { SAMPLE_DIFF, seedRun } from "./seed.ts";

describe.skipIf(!CHROMIUM)("diff view in headless Chromium (needs /usr/bin/chromium: apt-get install chromium)", () => {
  let f: Fixture;
  let browser: Browser;

  beforeAll(async () => {
    ensureDashboardBuilt();
    f = await startPipeline({}, ["orchestrator"]);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await f?.stack.stop();
  });

  it("shows a variation's change as diff2html's table with the added and removed lines, in either layout", async () => {
    const runId = await seedRun(f.env.databaseUrl, [
      { diff: null, summary: "Nothing to change." },
      { diff: SAMPLE_DIFF, summary: "Typed greet() and added a README." },
    ]);
    const { page, problems } = await openPage(browser, { width: 1400, height: 1000 });
    // Page code as text (this program has no DOM types).
    await page.addInitScript(`localStorage.setItem("threads-agent.diff-layout", "line-by-line")`);
    await page.goto(`${f.api}/#run=${runId}`);
    const changes = page.locator("#run-detail section.changes");
    await changes.locator(".d2h-file-wrapper").first().waitFor({ timeout: 15_000 });

    // Only the variation with a change has a tab, and its card says what the change is.
    expect(await changes.locator(".diff-tabs [role=tab]").allTextContents()).toEqual(["#1 +6 −2"]);
    const card = page.locator("#run-detail article.variation").nth(1);
    expect(await card.locator(".vchange").textContent()).toBe("Change: 2 files, +6 −2");
    expect(await page.locator("#run-detail article.variation").nth(0).locator(".vchange").isHidden()).toBe(true);

    // Two files with their names; the removed and added lines in diff2html's rows.
    const files = changes.locator(".d2h-file-wrapper");
    expect(await files.count()).toBe(2);
    expect(await changes.locator(".d2h-file-name").allTextContents()).toEqual(["src/greeting.ts", "README.md"]);
    const removed = await changes.locator("tr .d2h-del .d2h-code-line-ctn").allTextContents();
    const inserted = await changes.locator("tr .d2h-ins .d2h-code-line-ctn").allTextContents();
    expect(removed.map((l) => l.trim())).toEqual(["export function greet(name) {", 'return "Hello " + name;']);
    expect(inserted.map((l) => l.trim())).toEqual(
      expect.arrayContaining([
        "export function greet(name: string): string {",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: the TypeScript line of the diff, as text
        "return `Hello ${name} 🚀`;",
        "# greeting",
        "Say hello from TypeScript.",
      ]),
    );
    // Markup in the diff is text: no element was created from it and nothing ran.
    expect(inserted.join("\n")).toContain('<img src=x onerror="window.__injected = true"> must render as text');
    expect(await changes.locator(".d2h-code-line-ctn img").count()).toBe(0);
    expect(await page.evaluate("window.__injected")).toBeUndefined();
    await screenshot(page, "diff-view-unified");

    // Side by side: old lines on the left, new on the right; the choice is remembered.
    await changes.getByRole("button", { name: "Side by side" }).click();
    await changes.locator(".d2h-file-side-diff").first().waitFor();
    const greeting = files.first().locator(".d2h-file-side-diff");
    expect(await greeting.count()).toBe(2);
    expect((await greeting.nth(0).locator(".d2h-del .d2h-code-line-ctn").allTextContents()).map((l) => l.trim())).toEqual([
      "export function greet(name) {",
      'return "Hello " + name;',
    ]);
    expect((await greeting.nth(1).locator(".d2h-ins .d2h-code-line-ctn").allTextContents()).length).toBe(3);
    expect(await page.evaluate(`localStorage.getItem("threads-agent.diff-layout")`)).toBe("side-by-side");
    await screenshot(page, "diff-view");

    // The raw change downloads as a .diff file.
    const download = changes.getByRole("link", { name: "Download .diff" });
    expect(await download.getAttribute("download")).toBe(`run-${runId.slice(0, 8)}-variation-1.diff`);
    expect(await download.getAttribute("href")).toMatch(/^blob:/);

    await changes.getByRole("button", { name: "Unified" }).click();
    await expect.poll(() => changes.locator(".d2h-file-side-diff").count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
