import type { Task } from "@threads-agent/contracts";
import { describe, expect, it } from "vitest";
import { toneOf } from "../status.ts";
import { applyTaskEvent, canCancel, canRetry, newTaskView } from "./task-state.ts";

const task = (): Task => ({
  id: "0193a1b2-0000-7000-8000-000000000001",
  persona_id: "ai-jesus",
  task_type: "pain",
  input: "Tired",
  status: "queued",
  attempts: 0,
  created_at: "2026-12-01T10:00:00.000Z",
  updated_at: "2026-12-01T10:00:00.000Z",
  finished_at: null,
  deferred_until: null,
  publish_at: null,
  review: false,
  approved_at: null,
  trend_id: null,
  slot_at: null,
  post: null,
  error: null,
  usage: { tokens_in: 0, tokens_out: 0, cost_usd: 0 },
});
const post = {
  id: "p1",
  task_id: "t",
  persona_id: "ai-jesus",
  hook: "h",
  body: "b",
  text: "🙏 h 🙏\n\nb",
  published_id: null,
  permalink: null,
  published_at: null,
  created_at: "2026-12-01T10:00:01.000Z",
};
const at = "2026-12-01T10:00:00.500Z";

describe("applyTaskEvent", () => {
  it("follows a task through its steps to the published post", () => {
    const view = newTaskView(task());
    applyTaskEvent(view, { type: "task.started", at, attempt: 1 });
    applyTaskEvent(view, { type: "step.started", at, step: "hook" });
    expect(applyTaskEvent(view, { type: "step.delta", at, step: "hook", text: "Rest " })).toEqual({ log: null, listChanged: false });
    applyTaskEvent(view, { type: "step.delta", at, step: "hook", text: "now" });
    expect(view.live).toEqual({ step: "hook", text: "Rest now" });
    expect(view.steps.hook).toEqual({ state: "active" });
    applyTaskEvent(view, { type: "step.completed", at, step: "hook", ms: 12.4, tokens: 31 });
    expect(view.steps.hook).toEqual({ state: "done", ms: 12, tokens: 31 });
    const done = applyTaskEvent(view, { type: "task.succeeded", at, post: { ...post, published_id: "th_1" } });
    expect(done.listChanged).toBe(true);
    expect(view.task).toMatchObject({ status: "succeeded", attempts: 1, post: { published_id: "th_1" } });
    expect(view.live).toBeNull();
    expect(view.deltas).toBe(2);
  });

  it("says why a task waits: retrying, a dependency down, deferred, scheduled, in review", () => {
    const view = newTaskView(task());
    applyTaskEvent(view, { type: "task.retrying", at, attempt: 1, error: "persona-runtime: 503", delay_ms: 2000 });
    expect(view.notice).toBe("Attempt 1 failed (persona-runtime: 503); retrying in 2 s.");
    applyTaskEvent(view, {
      type: "task.waiting",
      at,
      dependency: "persona-runtime",
      reason: "ECONNREFUSED",
      retry_at: "2026-12-02T00:00:05.000Z",
    });
    expect(view.task.status).toBe("deferred");
    expect(view.notice).toMatch(
      /^Waiting for persona-runtime: it is unavailable \(ECONNREFUSED\)\. The task keeps its attempts .+; next try at .+\.$/,
    );
    applyTaskEvent(view, { type: "task.deferred", at, until: "2026-12-02T00:00:00.000Z", reason: "Threads quota used up" });
    expect(view.task.status).toBe("deferred");
    expect(view.notice).toMatch(/^Deferred until .+: Threads quota used up\.$/);
    applyTaskEvent(view, { type: "task.awaiting_review", at, post });
    expect(view.task).toMatchObject({ status: "awaiting_review", post: { text: post.text } });
    applyTaskEvent(view, { type: "task.scheduled", at, publish_at: "2026-12-02T09:00:00.000Z" });
    expect(view.task.status).toBe("scheduled");
    expect(view.notice).toMatch(/^Scheduled to publish at /);
    applyTaskEvent(view, { type: "task.started", at, attempt: 2 });
    expect(view.notice).toBeNull();
  });

  it("an approval with an edit shows the edited text before it is published", () => {
    const view = newTaskView(task());
    applyTaskEvent(view, { type: "task.awaiting_review", at, post });
    applyTaskEvent(view, { type: "task.approved", at, edited: true, text: "Edited words" });
    expect(view.task).toMatchObject({ status: "awaiting_review", approved_at: at, post: { text: "Edited words" } });
    applyTaskEvent(view, { type: "task.scheduled", at, publish_at: "2026-12-02T09:00:00.000Z" });
    expect(view.task).toMatchObject({ status: "scheduled", publish_at: "2026-12-02T09:00:00.000Z" });
    expect(canCancel("scheduled") && canCancel("awaiting_review")).toBe(true);
  });

  it("ends blocked, failed, rejected or cancelled with the reason", () => {
    const blocked = newTaskView(task());
    applyTaskEvent(blocked, { type: "task.blocked", at, reason: "matched the blocklist" });
    expect(blocked.task.error).toEqual({ code: "guardrail_blocked", message: "matched the blocklist" });
    expect(blocked.steps.guardrail).toEqual({ state: "blocked" });
    const failed = newTaskView(task());
    applyTaskEvent(failed, { type: "task.failed", at, error: { code: "publish_failed", message: "Threads said no" } });
    expect(failed.task).toMatchObject({ status: "failed", error: { code: "publish_failed" } });
    expect(canRetry(failed.task.status)).toBe(true);
    const rejected = newTaskView(task());
    applyTaskEvent(rejected, { type: "task.rejected", at, reason: "off-brand" });
    expect(rejected.task).toMatchObject({ status: "rejected", error: { code: "rejected", message: "off-brand" } });
    expect(canRetry("rejected") || canCancel("rejected")).toBe(false);
  });

  it("keeps engagement numbers as they are collected, and only the known ones", () => {
    const view = newTaskView(task());
    applyTaskEvent(view, { type: "post.engagement", at, views: 120, likes: 9, rate: 0.075, post_id: "p1" });
    applyTaskEvent(view, { type: "post.engagement", at, views: 200 });
    expect(view.engagement).toEqual({ views: 200, likes: 9, rate: 0.075 });
  });

  it("logs an event it does not know as a generic line and changes nothing", () => {
    const view = newTaskView(task());
    const before = structuredClone(view);
    const applied = applyTaskEvent(view, { type: "task.translated", at, task_id: "t", language: "de", chars: 312 });
    expect(applied).toEqual({ log: { at, type: "task.translated", info: "language=de · chars=312", known: false }, listChanged: false });
    expect(view).toEqual(before);
  });

  it("tolerates malformed fields of known events (a step it does not know, missing numbers)", () => {
    const view = newTaskView(task());
    expect(() => applyTaskEvent(view, { type: "step.started", at, step: "translate" })).not.toThrow();
    expect(() => applyTaskEvent(view, { type: "step.completed", at, step: "hook" })).not.toThrow();
    expect(view.steps.hook).toEqual({ state: "done", ms: 0, tokens: null });
    applyTaskEvent(view, { type: "task.failed", at, error: "boom" });
    expect(view.task.error).toEqual({ code: "failed", message: "boom" });
  });

  it("marks a snapshot (expired stream) so the page can say so", () => {
    const view = newTaskView(task());
    applyTaskEvent(view, { type: "task.succeeded", at, snapshot: true, post });
    expect(view.expired).toBe(true);
  });
});

describe("status tones", () => {
  it("has a tone for every status the contracts and the announced workflow know, and a neutral one for the rest", () => {
    for (const status of ["queued", "running", "succeeded", "failed", "blocked", "cancelled"]) expect(toneOf(status)).toBe(status);
    expect(toneOf("scheduled")).toBe("queued");
    expect(toneOf("awaiting_review")).toBe("review");
    expect(toneOf("deferred")).toBe("waiting");
    expect(toneOf("waiting")).toBe("waiting");
    expect(toneOf("rejected")).toBe("failed");
    expect(toneOf("partially_failed")).toBe("blocked");
    expect(toneOf("archived")).toBe("neutral");
    expect(toneOf("__proto__")).toBe("neutral");
  });
});
