import { tmpdir } from "node:os";
import path from "node:path";
// The Runs panel as a person uses it: headless Chromium against the orchestrator and the
// agent-launcher running as processes (local backend, the real agent), on a git repository made
// here. Skipped with the reason when Chromium is absent.
import { createTestRepository, type TestRepository } from "@threads-agent/agent";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, startPipeline } from "../pipeline/stack-fixture.ts";
import { CHROMIUM, launchChromium } from "./browser.ts";

describe.skipIf(!CHROMIUM)("Runs panel in headless Chromium (needs /usr/bin/chromium: apt-get install chromium)", () => {
  let f: Fixture;
  let browser: Browser;
  let repo: TestRepository;

  beforeAll(async () => {
    repo = createTestRepository();
    f = await startPipeline({ ALLOW_FILE_REPOS: "true", AGENT_PACE_MS: "5" }, ["orchestrator", "agent-launcher"]);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await f?.stack.stop();
    repo?.remove();
  });

  it("starts a run from the form, shows the variations' output side by side live, and records the winner", async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const problems: string[] = [];
    page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
    page.on("pageerror", (e) => problems.push(e.message));

    await page.goto(`${f.api}/`);
    await page.fill("#run-repo", repo.url);
    await page.fill("#run-prompt", "Document the repository layout for newcomers");
    await page.fill("#run-variations", "3");
    await page.click("#run-submit");

    const cards = page.locator("#run-detail article.variation");
    await expect.poll(() => cards.count(), { timeout: 30_000 }).toBe(3);
    await expect
      .poll(() => page.locator("#run-detail .variation .badge").allInnerTexts(), { timeout: 60_000 })
      .toEqual(["succeeded", "succeeded", "succeeded"]);
    await expect.poll(() => page.locator("#run-detail .detail-head .badge").textContent()).toBe("succeeded");
    for (let i = 0; i < 3; i++) {
      const log = (await cards.nth(i).locator(".vlog").textContent()) ?? "";
      expect(log).toContain(`variation ${i} · offline analysis`);
      expect(log).toContain("proposed change (checked with git apply --check):");
    }

    await cards.nth(1).getByRole("button", { name: "Pick as winner" }).click();
    await cards.nth(1).locator(".vcrown").waitFor({ state: "visible" });
    const runId = /#run=([0-9a-f-]{36})/.exec(page.url())?.[1];
    const run = (await f.json<{ winner: number | null; status: string }>(`/v1/runs/${runId}`)).body;
    expect(run).toMatchObject({ winner: 1, status: "succeeded" });
    const shot = path.join(tmpdir(), "threads-agent-runs-panel.png");
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`runs panel screenshot: ${shot}`);
    expect(problems).toEqual([]);
  });
});
