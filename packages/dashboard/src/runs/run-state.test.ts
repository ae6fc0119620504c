import type { Run } from "@threads-agent/contracts";
import { describe, expect, it } from "vitest";
import { describeEvent } from "../events.ts";
import { applyRunEvent, preferredDiff } from "./run-state.ts";

const variation = (index: number) => ({
  index,
  status: "queued" as const,
  model: null,
  temperature: 0.2,
  job: null,
  exit_code: null,
  reason: null,
  started_at: null,
  finished_at: null,
  usage: { tokens_in: 0, tokens_out: 0, cost_usd: 0 },
  lines: 0,
  summary: null,
  outcome: null,
  score: null,
});
const run = (): Run => ({
  id: "0193a1b2-0000-7000-8000-000000000002",
  repo_url: "https://github.com/o/r",
  prompt: "p",
  check_command: null,
  status: "queued",
  variations: [variation(0), variation(1)],
  winner: null,
  suggested_winner: null,
  branch: null,
  ship: null,
  cancel_requested_at: null,
  created_at: "2026-12-01T10:00:00.000Z",
  updated_at: "2026-12-01T10:00:00.000Z",
  started_at: null,
  finished_at: null,
});
const at = "2026-12-01T10:00:01.000Z";

describe("applyRunEvent", () => {
  it("takes a variation's outcome and score from variation.verified and asks for the stored run (checks, suggestion)", () => {
    const r = run();
    const applied = applyRunEvent(r, { type: "variation.verified", at, variation: 1, outcome: "fixed", score: 99 });
    expect(applied).toMatchObject({ kind: "state", refresh: true, log: { known: true } });
    expect(r.variations[1]).toMatchObject({ outcome: "fixed", score: 99 });
    expect(applyRunEvent(r, { type: "run.shipped", at, variation: 1, branch: "b", commit: "c" })).toMatchObject({ refresh: true });
  });

  it("moves variations through scheduled, running and their end, and asks for the stored run when one succeeds", () => {
    const r = run();
    applyRunEvent(r, { type: "run.started", at });
    expect(r.status).toBe("running");
    applyRunEvent(r, { type: "variation.scheduled", at, variation: 0, job: "local:42" });
    applyRunEvent(r, { type: "variation.started", at, variation: 0 });
    expect(r.variations[0]).toMatchObject({ status: "running", job: "local:42", started_at: at });
    expect(applyRunEvent(r, { type: "variation.succeeded", at, variation: 0, exit_code: 0 })).toMatchObject({
      kind: "state",
      refresh: true,
    });
    applyRunEvent(r, { type: "variation.failed", at, variation: 1, reason: "OOMKilled", exit_code: 137 });
    expect(r.variations[1]).toMatchObject({ status: "failed", reason: "OOMKilled", exit_code: 137 });
    applyRunEvent(r, { type: "run.completed", at, status: "partially_failed" });
    expect(r.status).toBe("partially_failed");
  });

  it("hands output lines to the panel without touching the state", () => {
    const r = run();
    expect(applyRunEvent(r, { type: "variation.log", at, variation: 1, seq: 7, ts: at, line: "+added", kind: "log" })).toEqual({
      kind: "line",
      line: { variation: 1, seq: 7, ts: at, line: "+added", kind: "log" },
    });
  });

  it("cancels what had not finished", () => {
    const r = run();
    applyRunEvent(r, { type: "variation.succeeded", at, variation: 0, exit_code: 0 });
    applyRunEvent(r, { type: "run.cancelled", at });
    expect(r.variations.map((v) => v.status)).toEqual(["succeeded", "cancelled"]);
  });

  it("logs unknown events, and events for variations it does not have, without failing", () => {
    const r = run();
    expect(applyRunEvent(r, { type: "variation.paused", at, variation: 0, why: "quota" })).toMatchObject({
      kind: "state",
      log: { type: "variation.paused", known: false, info: "variation=0 · why=quota" },
    });
    expect(() => applyRunEvent(r, { type: "variation.started", at, variation: 9 })).not.toThrow();
    expect(r.variations.map((v) => v.status)).toEqual(["queued", "queued"]);
  });

  it("shows the winner's change first, else the first variation with one", () => {
    const r = run();
    r.variations[0]!.diff = "diff a";
    r.variations[1]!.diff = "diff b";
    expect(preferredDiff(r)).toBe(0);
    r.winner = 1;
    expect(preferredDiff(r)).toBe(1);
  });
});

describe("describeEvent", () => {
  it("puts known fields in words and the rest as key=value, without the envelope", () => {
    expect(describeEvent({ type: "step.completed", task_id: "t", at, step: "hook", ms: 12.6, tokens: 31 })).toBe(
      "hook · 13 ms · 31 tokens",
    );
    expect(describeEvent({ type: "task.failed", at, error: { code: "x", message: "y" } })).toBe("x: y");
    expect(describeEvent({ type: "task.succeeded", at, post: { text: "first\nsecond" } })).toBe("first");
    expect(describeEvent({ type: "thing", at, nested: { deep: [1, 2] }, long: "z".repeat(200) })).toBe(
      `nested={"deep":[1,2]} · long=${"z".repeat(79)}…`,
    );
  });
});
