// The local backend end to end: the real agent program cloning a real git repository created
// here, the real launcher, real PostgreSQL and Redis, and an SSE client reading the run's stream.
import { execFileSync } from "node:child_process";
import { createTestRepository, followSse, readSse, type SseMessage, type TestRepository, waitFor } from "@threads-agent/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, isProcessAlive, localAgentBackend, startHarness } from "./testing/harness.ts";

let repo: TestRepository;
let harness: Harness;

beforeAll(async () => {
  repo = createTestRepository();
  harness = await startHarness({
    backend: localAgentBackend({
      workDir: "ta-launcher-test",
      // Lines spaced out a little, as in a demo; the cancel test uses agents that never finish.
      paceMs: 15,
      // Variation 1 of "[fail-1]" prompts: some raw output, then a non-zero exit.
      failing: ["-e", "console.log('starting up'); console.error('boom: cannot continue'); process.exit(3)"],
    }),
  });
});

afterAll(async () => {
  await harness?.close();
  repo?.remove();
});

const byVariation = (messages: SseMessage[], index: number) => messages.filter((m) => m.json.variation === index);

function expectGaplessLines(messages: SseMessage[], index: number) {
  const seqs = byVariation(messages, index)
    .filter((m) => m.json.type === "variation.log")
    .map((m) => m.json.seq);
  expect(seqs.length).toBeGreaterThan(10);
  expect(seqs).toEqual(seqs.map((_, i) => i));
}

describe("agent runs on the local backend", () => {
  it("runs 3 variations and streams every line to SSE in order, then completes honestly", async () => {
    const run = await harness.createRun({ repoUrl: repo.url, variations: 3 });
    const { messages } = await readSse(harness.sseUrl(run.id), { timeoutMs: 60_000 });

    expect(messages[0]?.json).toMatchObject({ type: "run.queued", run_id: run.id, variations: 3 });
    expect(messages.at(-1)?.json).toMatchObject({ type: "run.completed", status: "succeeded" });
    const stored = await harness.loadRun(run.id);
    expect(stored.status).toBe("succeeded");
    expect(stored.finished_at).not.toBeNull();

    for (const v of stored.variations) {
      const mine = byVariation(messages, v.index);
      const types = mine.map((m) => m.json.type);
      // Lifecycle order per variation: scheduled, started, every line, verified, then the verdict.
      expect(types[0]).toBe("variation.scheduled");
      expect(types[1]).toBe("variation.started");
      expect(types.at(-1)).toBe("variation.succeeded");
      // The result's verification is announced right before the verdict.
      expect(types.at(-2)).toBe("variation.verified");
      expect(types.slice(2, -2).every((t) => t === "variation.log")).toBe(true);
      expectGaplessLines(messages, v.index);

      // Every stored line reached the browser, identical and in order.
      const lines = await harness.db.variationLine.findMany({ where: { variation_id: v.id }, orderBy: { seq: "asc" } });
      expect(lines.length).toBe(v.line_count);
      expect(mine.filter((m) => m.json.type === "variation.log").map((m) => [m.json.seq, m.json.kind, m.json.line])).toEqual(
        lines.map((l) => [l.seq, l.kind, l.line]),
      );

      expect(v).toMatchObject({ status: "succeeded", exit_code: 0, reason: null, model: "offline" });
      expect(v.job).toMatch(/^local:\d+$/);
      expect(v.summary).toBeTruthy();
      expect(v.started_at).not.toBeNull();
      // The proposed change really applies to the repository.
      execFileSync("git", ["apply", "--check", "-"], { cwd: repo.dir, input: v.diff ?? "" });
    }
    // Different temperatures explore different changes (offline analysis is seeded per variation).
    expect(new Set(stored.variations.map((v) => v.temperature))).toEqual(new Set([0.2, 0.6, 1]));
  });

  it("marks the run partially_failed when one variation fails, with the reason and its raw output", async () => {
    const run = await harness.createRun({ repoUrl: repo.url, variations: 3, prompt: "add a contributing guide [fail-1]" });
    const { messages } = await readSse(harness.sseUrl(run.id), { timeoutMs: 60_000 });

    expect(messages.at(-1)?.json).toMatchObject({ type: "run.completed", status: "partially_failed" });
    const failed = messages.find((m) => m.json.type === "variation.failed");
    expect(failed?.json).toMatchObject({ variation: 1, exit_code: 3, reason: "the agent exited with code 3" });
    const raw = byVariation(messages, 1).filter((m) => m.json.type === "variation.log");
    expect(raw.map((m) => m.json.line).sort()).toEqual(["boom: cannot continue", "starting up"]);
    expect(raw.every((m) => m.json.kind === "output")).toBe(true);

    const stored = await harness.loadRun(run.id);
    expect(stored.status).toBe("partially_failed");
    expect(stored.variations.map((v) => v.status)).toEqual(["succeeded", "failed", "succeeded"]);
    expect(stored.variations[1]).toMatchObject({ exit_code: 3, reason: "the agent exited with code 3", line_count: 2 });
  });

  it("cancel kills the running agent processes and ends the run cancelled", async () => {
    // "[hold]": agents that print until killed (with a helper in their process group, as git is
    // for the real agent), so every one is still running when the cancel lands, however busy the machine.
    const run = await harness.createRun({ repoUrl: repo.url, variations: 3, prompt: "survey the repository [hold]" });
    const { seen, done: reading } = followSse(harness.sseUrl(run.id), { timeoutMs: 60_000 });
    const lines = (i: number) => byVariation(seen, i).filter((m) => m.json.type === "variation.log");
    await waitFor("three variations printing", () => [0, 1, 2].every((i) => lines(i).length > 3), 60_000);
    const pids = (await harness.loadRun(run.id)).variations.map((v) => Number(v.job?.slice("local:".length)));
    const helpers = [0, 1, 2].map((i) => Number(String(lines(i)[0]?.json.line).slice("helper ".length)));
    expect(pids.every((pid) => pid > 0) && helpers.every((pid) => pid > 0)).toBe(true);
    expect([...pids, ...helpers].every(isProcessAlive)).toBe(true);

    await harness.cancel(run.id);
    const { messages } = await reading;
    expect(messages.at(-1)?.json).toMatchObject({ type: "run.cancelled", run_id: run.id });
    expect(messages.some((m) => m.json.type === "variation.succeeded" || m.json.type === "run.completed")).toBe(false);
    // The agents and everything in their process groups.
    await waitFor("agent processes gone", () => [...pids, ...helpers].every((pid) => !isProcessAlive(pid)), 30_000);

    const stored = await harness.loadRun(run.id);
    expect(stored.status).toBe("cancelled");
    expect(stored.variations.every((v) => v.status === "cancelled" && v.reason === "cancelled by the user")).toBe(true);
    // Lines printed before the cancel are kept, gapless.
    for (const v of stored.variations) {
      expect(v.line_count).toBeGreaterThan(3);
      expect(await harness.db.variationLine.count({ where: { variation_id: v.id } })).toBe(v.line_count);
    }
  });

  it("refuses a repository the launcher's policy does not allow, without starting anything", async () => {
    const run = await harness.createRun({ repoUrl: "https://gitlab.com/acme/widgets", variations: 2 });
    const { messages } = await readSse(harness.sseUrl(run.id), { timeoutMs: 30_000 });
    expect(messages.at(-1)?.json).toMatchObject({ type: "run.completed", status: "failed" });
    const stored = await harness.loadRun(run.id);
    expect(stored.variations.map((v) => [v.status, v.job])).toEqual([
      ["failed", null],
      ["failed", null],
    ]);
    expect(stored.variations[0]?.reason).toMatch(/repo_url refused: host gitlab.com is not on the allowlist/);
  });
});
