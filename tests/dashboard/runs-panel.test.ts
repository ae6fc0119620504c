// The Runs panel as a person uses it: headless Chromium against the orchestrator and the
// agent-launcher running as processes (local backend, the real agent), on a git repository made
// here. Skipped with the reason when Chromium is absent.
import { createTestRepository, ensureDashboardBuilt, type TestRepository } from "@threads-agent/testing";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, startPipeline } from "../pipeline/stack-fixture.ts";
import { CHROMIUM, launchChromium, openPage, screenshot } from "./browser.ts";

describe.skipIf(!CHROMIUM)("Runs panel in headless Chromium (needs /usr/bin/chromium: apt-get install chromium)", () => {
  let f: Fixture;
  let browser: Browser;
  let repo: TestRepository;

  beforeAll(async () => {
    ensureDashboardBuilt();
    repo = createTestRepository();
    f = await startPipeline({ ALLOW_FILE_REPOS: "true", AGENT_PACE_MS: "5" }, ["orchestrator", "agent-launcher"]);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await f?.stack.stop();
    repo?.remove();
  });

  it("starts a run from the form, shows the variations' output and changes side by side live, and records the winner", async () => {
    const { page, problems } = await openPage(browser, { width: 1400, height: 1000 });
    await page.goto(`${f.api}/`);
    await page.fill("#run-repo", repo.url);
    await page.fill("#run-prompt", "Document the repository layout for newcomers");
    await page.fill("#run-variations", "3");
    await page.click("#run-submit");

    const cards = page.locator("#run-detail article.variation");
    await expect.poll(() => cards.count(), { timeout: 30_000 }).toBe(3);
    await expect
      .poll(() => page.locator("#run-detail .variation > header .badge").allInnerTexts(), { timeout: 60_000 })
      .toEqual(["succeeded", "succeeded", "succeeded"]);
    await expect.poll(() => page.locator("#run-detail .detail-head .badge").textContent()).toBe("succeeded");
    for (let i = 0; i < 3; i++) {
      const log = (await cards.nth(i).locator(".vlog").textContent()) ?? "";
      expect(log).toContain(`variation ${i} · offline analysis`);
      expect(log).toContain("proposed change (checked with git apply --check):");
    }

    // Each variation's change as diff2html's table, the one the API stores.
    const runId = /#run=([0-9a-f-]{36})/.exec(page.url())?.[1];
    const stored = (await f.json<{ variations: { diff: string | null }[] }>(`/v1/runs/${runId}`)).body.variations;
    const added = (stored[1]?.diff ?? "").split("\n").filter((l) => l.startsWith("+") && !l.startsWith("+++") && l.trim() !== "+");
    expect(added.length).toBeGreaterThan(0);
    await expect.poll(() => page.locator("#run-detail .diff-tabs [role=tab]").count()).toBe(3);
    await cards.nth(1).locator(".vchange").click();
    await expect.poll(() => page.locator("#run-detail .diff-tabs [aria-selected=true]").textContent()).toMatch(/^#1/);
    const insertedText = await page.locator("#run-detail .diff-body .d2h-ins .d2h-code-line-ctn").allTextContents();
    expect(insertedText.join("\n")).toContain(added[0]?.slice(1).trim());

    await cards.nth(1).getByRole("button", { name: "Pick as winner" }).click();
    await cards.nth(1).locator(".vcrown").waitFor({ state: "visible" });
    const run = (await f.json<{ winner: number | null; status: string }>(`/v1/runs/${runId}`)).body;
    expect(run).toMatchObject({ winner: 1, status: "succeeded" });
    await expect.poll(() => page.locator("#run-list .emoji").first().textContent()).toBe("🏆");
    await screenshot(page, "runs-panel");
    expect(problems).toEqual([]);
  });

  it("cancels a running run from its detail: every unfinished variation ends cancelled", async () => {
    // Slow agents, so the run is still going when the button is pressed.
    await f.stack.kill("agent-launcher");
    await f.stack.start("agent-launcher", { AGENT_PACE_MS: "250" });
    const { page, problems } = await openPage(browser, { width: 1400, height: 1000 });
    await page.goto(`${f.api}/`);
    await page.fill("#run-repo", repo.url);
    await page.fill("#run-prompt", "List the TODO markers");
    await page.fill("#run-variations", "2");
    await page.click("#run-submit");

    await expect
      .poll(() => page.locator("#run-detail .variation > header .badge").allInnerTexts(), { timeout: 30_000 })
      .toEqual(["running", "running"]);
    await page.getByRole("button", { name: "Cancel run" }).click();
    await expect.poll(() => page.locator("#run-detail .detail-head .badge").textContent(), { timeout: 30_000 }).toBe("cancelled");
    await expect
      .poll(() => page.locator("#run-detail .variation > header .badge").allInnerTexts(), { timeout: 30_000 })
      .toEqual(["cancelled", "cancelled"]);
    expect(await page.getByRole("button", { name: "Cancel run" }).isHidden()).toBe(true);
    const runId = /#run=([0-9a-f-]{36})/.exec(page.url())?.[1];
    expect((await f.json<{ status: string }>(`/v1/runs/${runId}`)).body.status).toBe("cancelled");
    await screenshot(page, "runs-cancelled");
    expect(problems).toEqual([]);
  });
});
