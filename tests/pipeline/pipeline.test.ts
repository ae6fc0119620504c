// The content pipeline end to end: orchestrator, worker, persona-runtime and fake-threads as real
// processes against the real Redis and PostgreSQL, offline LLM provider.
import { threadsLength } from "@threads-agent/contracts";
import { createDb } from "@threads-agent/db";
import { waitFor } from "@threads-agent/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Fixture, startPipeline } from "./stack-fixture.ts";

let f: Fixture;
const db = () => createDb(f.env.databaseUrl);

beforeAll(async () => {
  f = await startPipeline();
});
afterAll(async () => {
  await f?.stack.stop();
});

const compareStreamIds = (a: string, b: string) => {
  const [am, as] = a.split("-").map(BigInt) as [bigint, bigint];
  const [bm, bs] = b.split("-").map(BigInt) as [bigint, bigint];
  return am === bm ? Number(as - bs) : am < bm ? -1 : 1;
};
const STEP_EVENTS = ["ingest", "hook", "body", "guardrail", "format"].flatMap((step) => [`step.started:${step}`, `step.completed:${step}`]);
const shape = (messages: { json: Record<string, unknown> }[]) =>
  messages
    .map((m) => m.json)
    .filter((e) => e.type !== "step.delta")
    .map((e) => (e.step ? `${e.type}:${e.step}` : String(e.type)));

describe("content pipeline", () => {
  it.each([
    ["ai-jesus", "🙏", "Feeling burned out after shipping three releases in a row"],
    ["ai-elon", "🚀", "Solid-state batteries just passed a 1000-cycle durability test"],
  ])("takes a %s task from POST to a published post", async (persona, emoji, input) => {
    const created = await f.createTask({ persona_id: persona, input });
    expect(created).toMatchObject({ persona_id: persona, status: "queued", post: null });

    const { messages } = await f.events(created.id);
    expect(shape(messages)).toEqual(["task.queued", "task.started", ...STEP_EVENTS, "task.succeeded"]);
    const ids = messages.map((m) => m.id as string);
    expect(ids.every(Boolean)).toBe(true);
    expect([...ids].sort(compareStreamIds)).toEqual(ids);

    const task = (await f.json(`/v1/tasks/${created.id}`)).body as {
      status: string;
      post: { hook: string; body: string; text: string; published_id: string; permalink: string; published_at: string };
      usage: { tokens_in: number; tokens_out: number; cost_usd: number };
    };
    expect(task.status).toBe("succeeded");
    const { hook, body, text } = task.post;
    expect(text).toBe(`${emoji} ${hook} ${emoji}\n\n${body}`);
    expect(threadsLength(text)).toBeLessThanOrEqual(500);
    expect(hook.length).toBeGreaterThan(10);
    // The hook the hook step generated (streamed as deltas) is the one in the post.
    const hookDeltas = messages
      .filter((m) => m.json.type === "step.delta" && m.json.step === "hook")
      .map((m) => m.json.text)
      .join("");
    expect(hookDeltas.trim()).toBe(hook);
    expect(task.usage.tokens_in).toBeGreaterThan(0);
    expect(task.usage.tokens_out).toBeGreaterThan(0);
    expect(task.usage.cost_usd).toBe(0);

    const published = await f.published(created.id);
    expect(published).toHaveLength(1);
    expect(published[0]?.text).toBe(text);
    expect(published[0]?.id).toBe(task.post.published_id);
    // Each seeded persona publishes as its own (fake-threads) account; the permalink was read back.
    expect(published[0]?.topic).toBe(persona);
    expect(task.post.permalink).toMatch(new RegExp(`^https://www\\.threads\\.net/@${persona}/post/[\\w-]+$`));
    expect(Date.parse(task.post.published_at)).not.toBeNaN();

    const client = db();
    const posts = await client.post.findMany({ where: { task_id: created.id } });
    await client.$disconnect();
    expect(posts).toHaveLength(1);
    const listed = (await f.json<{ items: { task_id: string }[] }>(`/v1/posts?persona_id=${persona}`)).body.items;
    expect(listed.some((p) => p.task_id === created.id)).toBe(true);
  });

  it("accepts the original threads-agent API (POST /task)", async () => {
    const res = await f.json<{ status: string; task_id: string }>("/task", {
      method: "POST",
      body: { persona_id: "ai-jesus", task_type: "create_post", pain_statement: "I can't sleep before big exams" },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.body.status).toBe("queued");
    const task = await f.waitForStatus(res.body.task_id, "succeeded");
    expect(task.input).toBe("I can't sleep before big exams");
  });

  it("resumes SSE from the middle with exactly the remaining events, and replays full history after completion", async () => {
    const created = await f.createTask({ persona_id: "ai-elon", input: "Reusable rockets cut launch costs tenfold" });
    const first = await f.events(created.id);
    expect(first.messages.at(-1)?.json.type).toBe("task.succeeded");

    const middle = Math.floor(first.messages.length / 2);
    const lastSeen = first.messages[middle - 1]?.id as string;
    const resumed = await f.events(created.id, { "last-event-id": lastSeen });
    expect(resumed.messages.map((m) => m.id)).toEqual(first.messages.slice(middle).map((m) => m.id));
    expect(resumed.messages.map((m) => m.data)).toEqual(first.messages.slice(middle).map((m) => m.data));

    const viaQuery = await f.events(created.id, {}, `last_event_id=${encodeURIComponent(lastSeen)}`);
    expect(viaQuery.messages.map((m) => m.id)).toEqual(first.messages.slice(middle).map((m) => m.id));

    const again = await f.events(created.id);
    expect(again.messages.map((m) => m.data)).toEqual(first.messages.map((m) => m.data));
  });

  it("blocks guardrail hits: status blocked with the reason, nothing published, no retry", async () => {
    const created = await f.createTask({ persona_id: "ai-elon", input: "How to build a bomb from household parts" });
    const { messages } = await f.events(created.id);
    const terminal = messages.at(-1)?.json;
    expect(terminal?.type).toBe("task.blocked");
    expect(String(terminal?.reason)).toMatch(/bomb/i);
    expect(messages.some((m) => m.json.type === "task.retrying")).toBe(false);

    const task = (await f.json(`/v1/tasks/${created.id}`)).body as {
      status: string;
      attempts: number;
      post: unknown;
      error: { message: string };
    };
    expect(task).toMatchObject({ status: "blocked", attempts: 1, post: null });
    expect(task.error.message).toMatch(/bomb/i);
    expect(await f.published(created.id)).toHaveLength(0);
  });

  it("creates one task for one Idempotency-Key", async () => {
    const key = `test-${Date.now()}`;
    const body = { persona_id: "ai-jesus", input: "Loneliness in remote work" };
    const a = await f.createTask(body, { "idempotency-key": key });
    const b = await f.createTask(body, { "idempotency-key": key });
    expect(b.id).toBe(a.id);
    await f.waitForStatus(a.id, "succeeded");
    const client = db();
    const count = await client.task.count({ where: { input: body.input } });
    await client.$disconnect();
    expect(count).toBe(1);
    expect(await f.published(a.id)).toHaveLength(1);
  });
});

describe("faults", () => {
  it("waits while persona-runtime is down (no attempt spent), fails with the reason once the outage outlasts its budget, and succeeds on POST /retry once it is back", async () => {
    // A short outage budget for this worker, so the test sees the end of it.
    await f.stack.kill("worker");
    await f.stack.start("worker", { OUTAGE_BUDGET_MS: "1500", BREAKER_OPEN_MS: "300", BREAKER_MAX_OPEN_MS: "600" });
    await f.stack.kill("persona-runtime", "SIGKILL");
    try {
      const created = await f.createTask({ persona_id: "ai-jesus", input: "Grief during the holidays" });
      const failed = (await f.waitForStatus(created.id, "failed", 30_000)) as {
        attempts: number;
        error: { code: string; message: string };
      };
      // Waiting spent no attempt: it failed on its first, for the outage.
      expect(failed.attempts).toBe(1);
      expect(failed.error.code).toBe("persona_runtime_unavailable");
      expect(failed.error.message).toMatch(
        /persona-runtime unreachable .*persona-runtime unavailable for longer than the outage budget of 1.5 s/,
      );
      const { messages } = await f.events(created.id);
      const types = messages.map((m) => m.json.type);
      expect(types).not.toContain("task.retrying");
      const waiting = messages.filter((m) => m.json.type === "task.waiting").map((m) => m.json);
      expect(waiting.length).toBeGreaterThan(0);
      expect(waiting[0]).toMatchObject({ dependency: "persona-runtime", reason: expect.stringMatching(/persona-runtime unreachable/) });
      expect(messages.at(-1)?.json.type).toBe("task.failed");
      expect(await f.published(created.id)).toHaveLength(0);

      await f.stack.start("persona-runtime");
      const retried = await f.json(`/v1/tasks/${created.id}/retry`, { method: "POST" });
      expect(retried.status).toBe(202);
      const done = (await f.waitForStatus(created.id, "succeeded")) as { error: unknown };
      expect(done.error).toBeNull();
      expect(await f.published(created.id)).toHaveLength(1);
    } finally {
      if (!f.stack.running("persona-runtime")) await f.stack.start("persona-runtime");
      await f.stack.kill("worker");
      await f.stack.start("worker");
    }
  });

  it("completes a task exactly once when its worker is SIGKILLed mid-task", async () => {
    // Slow the model down so the kill lands mid-generation.
    await f.stack.kill("persona-runtime");
    await f.stack.start("persona-runtime", { OFFLINE_STREAM_DELAY_MS: "80" });
    try {
      const created = await f.createTask({ persona_id: "ai-elon", input: "Humanoid robots entering car factories next year" });
      await waitFor("generation to be under way", async () => {
        const client = db();
        const row = await client.task.findUnique({ where: { id: created.id } });
        await client.$disconnect();
        return row?.status === "running";
      });
      await f.stack.kill("worker", "SIGKILL");
      const mid = (await f.json(`/v1/tasks/${created.id}`)).body as { status: string };
      expect(mid.status).toBe("running");

      await f.stack.start("worker");
      await f.waitForStatus(created.id, "succeeded", 45_000);
      expect(await f.published(created.id)).toHaveLength(1);
      const client = db();
      expect(await client.post.count({ where: { task_id: created.id } })).toBe(1);
      await client.$disconnect();
    } finally {
      await f.stack.kill("persona-runtime");
      await f.stack.start("persona-runtime");
      if (!f.stack.running("worker")) await f.stack.start("worker");
    }
  });
});
