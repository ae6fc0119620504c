// Verified variations in the Runs panel as a person uses it: headless Chromium against the
// orchestrator and the agent-launcher as processes (local backend, the real agent's tool loop
// against the LLM stand-in: the three scripted variations), on a repository whose `npm test`
// fails until src/greet.js changes. The badges, score, suggested winner, checks, the patch
// download and pushing the winner as a branch. Skipped with the reason when Chromium is absent.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { GREET_PROMPT, GREET_VARIATIONS, greetVariationsReply } from "@threads-agent/agent";
import {
  createTestRepository,
  ensureDashboardBuilt,
  GREET_FILES,
  type LlmStandIn,
  readSse,
  startLlmStandIn,
  type TestRepository,
} from "@threads-agent/testing";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, startPipeline } from "../pipeline/stack-fixture.ts";
import { CHROMIUM, launchChromium, openPage, screenshot } from "./browser.ts";

const KEYS = { openai: "sk-test-dashboard-openai", anthropic: "sk-ant-test-dashboard" };

describe.skipIf(!CHROMIUM)("verified variations in headless Chromium (needs /usr/bin/chromium: apt-get install chromium)", () => {
  let f: Fixture;
  let browser: Browser;
  let source: TestRepository;
  let standIn: LlmStandIn;
  const scratch = mkdtempSync(path.join(tmpdir(), "ta-dash-verify-"));
  const remote = path.join(scratch, "greet.git");
  let runId = "";

  beforeAll(async () => {
    ensureDashboardBuilt();
    source = createTestRepository(GREET_FILES);
    execFileSync("git", ["clone", "--quiet", "--bare", source.dir, remote]);
    standIn = await startLlmStandIn({ keys: KEYS, reply: greetVariationsReply });
    f = await startPipeline(
      { ALLOW_FILE_REPOS: "true", SHIP_ENABLED: "true", SHIP_AUTHOR_NAME: "Dashboard test", SHIP_AUTHOR_EMAIL: "ship@example.com" },
      ["orchestrator", "agent-launcher"],
      {
        "agent-launcher": {
          OPENAI_API_KEY: KEYS.openai,
          ANTHROPIC_API_KEY: KEYS.anthropic,
          OPENAI_BASE_URL: standIn.openaiBaseUrl,
          ANTHROPIC_BASE_URL: standIn.anthropicBaseUrl,
        },
      },
    );
    browser = await launchChromium();
    // Per-variation models (the form sets one for all): the scripted variations answer by model.
    const created = await f.json<{ id: string }>("/v1/runs", {
      method: "POST",
      body: { repo_url: `file://${remote}`, prompt: GREET_PROMPT, variations: GREET_VARIATIONS.map((v) => ({ model: v.model })) },
    });
    expect(created.status).toBe(202);
    runId = created.body.id;
    const { messages } = await readSse(`${f.api}/v1/runs/${runId}/events`, { timeoutMs: 240_000 });
    expect(messages.at(-1)?.json).toMatchObject({ type: "run.completed", status: "succeeded" });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await f?.stack.stop();
    await standIn?.close();
    source?.remove();
    rmSync(scratch, { recursive: true, force: true });
  });

  it("badges each variation against the baseline, marks the suggested winner with its reason, shows the checks, downloads the patch and pushes the winner as a branch", async () => {
    const { page, problems } = await openPage(browser, { width: 1500, height: 1100 });
    await page.goto(`${f.api}/#run=${runId}`);
    const cards = page.locator("#run-detail article.variation");
    await expect.poll(() => cards.count(), { timeout: 30_000 }).toBe(3);
    const verdicts = async () =>
      Promise.all([0, 1, 2].map(async (i) => (await cards.nth(i).locator(".vverdict .badge").allInnerTexts()).join(" ")));
    await expect.poll(verdicts, { timeout: 30_000 }).toEqual(["passed fixed", "failed regressed", "failed unchanged"]);

    const stored = (await f.json<{ variations: { score: number }[]; suggested_winner: { reason: string } }>(`/v1/runs/${runId}`)).body;
    const scores = await Promise.all([0, 1, 2].map((i) => cards.nth(i).locator(".vscore").textContent()));
    expect(scores).toEqual(stored.variations.map((v) => `score ${v.score}`));

    // The suggestion: the card marked, the reason in words above the cards; nobody picked yet.
    expect(await cards.nth(0).locator(".vsuggested").textContent()).toBe("★ Suggested");
    expect(await cards.nth(1).locator(".vsuggested").count()).toBe(0);
    expect(await cards.nth(0).getAttribute("class")).toContain("suggested");
    const suggestion = (await page.locator("#run-detail .suggestion").textContent()) ?? "";
    expect(suggestion).toContain("Suggested winner#0");
    expect(suggestion).toContain(stored.suggested_winner.reason);
    expect(await cards.nth(0).locator(".vcrown").isHidden()).toBe(true);

    // The checks: commands, counts, durations and the output tail of both phases.
    const details = cards.nth(1).locator("details.vchecks");
    await details.locator("summary").click();
    expect(await details.locator("summary").textContent()).toMatch(
      /^Checks: test: failed \(1 of 2 failing\) → failed \(2 of 2 failing\) · verification took /,
    );
    const lines = await details.locator(".vcheck-line code").allTextContents();
    expect(lines).toEqual([
      expect.stringMatching(/^npm test · failed \(exit 1\) · 0 passed, 2 failed · /),
      expect.stringMatching(/^npm test · failed \(exit 1\) · 1 passed, 1 failed · /),
    ]);
    expect(await details.locator(".vfailing").first().textContent()).toBe("failing: greets with a comma, shouts");
    expect(await details.locator(".vtail").first().textContent()).toContain("shouts");

    // Download the winner's patch: the file the API serves.
    const [download] = await Promise.all([page.waitForEvent("download"), cards.nth(0).getByText("Download patch").click()]);
    expect(download.suggestedFilename()).toBe(`run-${runId}-variation-0.patch`);
    const saved = readFileSync((await download.path()) as string, "utf8");
    expect(saved).toBe(await (await fetch(`${f.api}/v1/runs/${runId}/variations/0/patch`)).text());
    expect(saved).toContain("+export const greet = (name) => 'Hello, ' + name + '!';");

    // Pick the suggested one and push it as a branch.
    const branch = cards.nth(0).locator(".vpush input");
    await branch.fill("agent/from-dashboard");
    await cards.nth(0).getByRole("button", { name: "Pick & push branch" }).click();
    await page.locator("#run-detail .shipped[data-tone=succeeded]").waitFor({ timeout: 120_000 });
    const shipped = (await page.locator("#run-detail .shipped").textContent()) ?? "";
    const commit = execFileSync("git", ["rev-parse", "agent/from-dashboard"], { cwd: remote, encoding: "utf8" }).trim();
    expect(shipped).toBe(`Variation #0 pushed to branch agent/from-dashboard (commit ${commit.slice(0, 12)} on main)`);
    await cards.nth(0).locator(".vcrown").waitFor({ state: "visible" });
    expect(execFileSync("git", ["rev-list", "--count", "main..agent/from-dashboard"], { cwd: remote, encoding: "utf8" }).trim()).toBe("1");

    // The same branch again: refused, and the page says why, naming it.
    await cards.nth(2).locator(".vpush input").fill("agent/from-dashboard");
    await cards.nth(2).getByRole("button", { name: "Pick & push branch" }).click();
    await expect
      .poll(() => page.locator("#run-detail .notice").textContent(), { timeout: 30_000 })
      .toContain("agent/from-dashboard already exists");
    await cards.nth(0).locator(".vchecks summary").click();
    await screenshot(page, "runs-verification");
    expect(problems.filter((p) => !p.includes("409"))).toEqual([]);
  });
});
