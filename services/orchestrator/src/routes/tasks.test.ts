import { redisKeys } from "@threads-agent/contracts";
import { UnrecoverableError } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addJob } from "../tasks/task-queue.ts";
import { createTask, type Orchestrator, startOrchestrator, takeJob, uniqueInput } from "../test-fixture.ts";

let o: Orchestrator;
// A persona of this file's own, so list assertions do not see other files' tasks.
const persona = `tasks-test-${Date.now().toString(36)}`;

beforeAll(async () => {
  o = await startOrchestrator({ TASK_MAX_ATTEMPTS: "1" });
  await o.db.persona.create({
    data: {
      id: persona,
      name: "Test",
      emoji: "🧪",
      temperament: "calm",
      description: "test",
      hook_prompt: "{input}",
      body_prompt: "{input}",
    },
  });
});
afterAll(async () => {
  await o?.close();
});

const eventTypes = async (id: string) => (await o.taskEvents.range("task", id)).map((e) => e.event.type);

describe("POST /v1/tasks", () => {
  it("commits the row, appends task.queued and enqueues a job whose id is the task id", async () => {
    const input = uniqueInput("Burnout after three releases");
    const res = await o.app.inject({ method: "POST", url: "/v1/tasks", payload: { persona_id: "ai-jesus", input, task_type: "pain" } });
    expect(res.statusCode).toBe(202);
    const task = res.json();
    expect(task).toMatchObject({
      persona_id: "ai-jesus",
      input,
      task_type: "pain",
      status: "queued",
      attempts: 0,
      post: null,
      error: null,
    });
    expect(task.usage).toEqual({ tokens_in: 0, tokens_out: 0, cost_usd: 0 });
    expect(res.headers.location).toBe(`/v1/tasks/${task.id}`);

    const row = await o.db.task.findUnique({ where: { id: task.id } });
    expect(row?.status).toBe("queued");
    const job = await o.queue.getJob(task.id);
    expect(job?.data).toMatchObject({ task_id: task.id });
    expect(job?.opts).toMatchObject({ attempts: 1, backoff: { type: "exponential", delay: 2000 } });
    expect(await job?.getState()).toBe("waiting");
    expect(await eventTypes(task.id)).toEqual(["task.queued"]);
  });

  it("defaults task_type to trend and trims the input", async () => {
    const task = await createTask(o, { input: "  padded input  " });
    expect(task).toMatchObject({ task_type: "trend", input: "padded input" });
  });

  it("has the row in the database before the job exists (a fast worker always finds it)", async () => {
    const seen: unknown[] = [];
    const add = o.queue.add.bind(o.queue);
    o.queue.add = (async (name: string, data: { task_id: string }, opts: object) => {
      seen.push(await o.db.task.findUnique({ where: { id: data.task_id }, select: { status: true } }));
      return add(name, data, opts);
    }) as typeof o.queue.add;
    try {
      await createTask(o);
    } finally {
      o.queue.add = add;
    }
    expect(seen).toEqual([{ status: "queued" }]);
  });

  it("still accepts the task when enqueueing fails: the row stays queued for the reconciler", async () => {
    const add = o.queue.add;
    o.queue.add = (async () => {
      throw new Error("simulated Redis hiccup");
    }) as typeof o.queue.add;
    let id: string;
    try {
      id = (await createTask(o)).id;
    } finally {
      o.queue.add = add;
    }
    expect((await o.db.task.findUnique({ where: { id } }))?.status).toBe("queued");
    expect(await o.queue.getJob(id)).toBeUndefined();
  });

  it("counts created tasks per persona", async () => {
    await createTask(o, { persona_id: persona });
    const text = await o.metrics.registry.metrics();
    expect(text).toMatch(new RegExp(`tasks_created_total\\{persona_id="${persona}",service="orchestrator"\\} [1-9]`));
  });
});

describe("Idempotency-Key", () => {
  it("creates one task and one job for a repeated request, marking the replay", async () => {
    const key = `key-${Date.now()}`;
    const payload = { persona_id: "ai-elon", input: uniqueInput("idempotent") };
    const first = await o.app.inject({ method: "POST", url: "/v1/tasks", payload, headers: { "idempotency-key": key } });
    // Same request, formatted differently (key order, padding): still the same request.
    const second = await o.app.inject({
      method: "POST",
      url: "/v1/tasks",
      headers: { "idempotency-key": key, "content-type": "application/json" },
      payload: JSON.stringify({ input: `  ${payload.input}`, persona_id: payload.persona_id }),
    });
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(202);
    expect(first.headers["idempotent-replayed"]).toBeUndefined();
    expect(second.headers["idempotent-replayed"]).toBe("true");
    expect(second.json().id).toBe(first.json().id);
    expect(await o.db.task.count({ where: { input: payload.input } })).toBe(1);
    const counts = await o.queue.getJobCounts("waiting");
    const jobs = (await o.queue.getJobs(["waiting"], 0, counts.waiting ?? 0)).filter((j) => j.data.task_id === first.json().id);
    expect(jobs).toHaveLength(1);
    const stored = await o.redis.get(redisKeys(o.config.REDIS_PREFIX).idempotency("tasks.create", key));
    expect(stored).toMatch(new RegExp(`^${first.json().id}:[0-9a-f]{64}$`));
    expect(await o.redis.ttl(redisKeys(o.config.REDIS_PREFIX).idempotency("tasks.create", key))).toBeGreaterThan(3600);
  });

  it("answers 422 naming Idempotency-Key when the key comes back with a different body", async () => {
    const key = `key-${Date.now()}-b`;
    await o.app.inject({
      method: "POST",
      url: "/v1/tasks",
      payload: { persona_id: "ai-elon", input: uniqueInput("a") },
      headers: { "idempotency-key": key },
    });
    const res = await o.app.inject({
      method: "POST",
      url: "/v1/tasks",
      payload: { persona_id: "ai-elon", input: uniqueInput("b") },
      headers: { "idempotency-key": key },
    });
    expect(res.statusCode).toBe(422);
    expect(res.headers["content-type"]).toMatch(/application\/problem\+json/);
    expect(res.json().errors).toEqual([{ field: "Idempotency-Key", message: expect.stringMatching(/different/) }]);
  });

  it("releases the key when the first request fails before creating the task", async () => {
    const key = `key-${Date.now()}-c`;
    const input = uniqueInput("released");
    const bad = await o.app.inject({
      method: "POST",
      url: "/v1/tasks",
      payload: { persona_id: "no-such-persona", input },
      headers: { "idempotency-key": key },
    });
    expect(bad.statusCode).toBe(422);
    expect(await o.redis.exists(redisKeys(o.config.REDIS_PREFIX).idempotency("tasks.create", key))).toBe(0);
    // The client fixes the body and retries with the same key: a fresh request, not a mismatch.
    const good = await o.app.inject({
      method: "POST",
      url: "/v1/tasks",
      payload: { persona_id: "ai-jesus", input },
      headers: { "idempotency-key": key },
    });
    expect(good.statusCode).toBe(202);
    expect(good.headers["idempotent-replayed"]).toBeUndefined();
  });

  it("rejects a malformed key", async () => {
    const res = await o.app.inject({
      method: "POST",
      url: "/v1/tasks",
      payload: { persona_id: "ai-jesus", input: "x" },
      headers: { "idempotency-key": "has spaces in it" },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors[0].field).toBe("Idempotency-Key");
  });
});

describe("GET /v1/tasks", () => {
  it("lists newest first with cursor pagination and filters", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await createTask(o, { persona_id: persona })).id);
    await o.db.task.update({ where: { id: ids[1] as string }, data: { status: "failed", error_code: "x", error_message: "boom" } });

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const res = await o.app.inject({ url: `/v1/tasks?persona_id=${persona}&limit=2${cursor ? `&cursor=${cursor}` : ""}` });
      expect(res.statusCode).toBe(200);
      const body = res.json() as { items: { id: string }[]; next_cursor: string | null };
      pages.push(body.items.map((t) => t.id));
      cursor = body.next_cursor;
    } while (cursor);
    const listed = pages.flat();
    // Earlier tests of this file also used the persona: ours are the newest five.
    expect(listed.slice(0, 5)).toEqual([...ids].reverse());
    expect(pages.slice(0, -1).every((p) => p.length === 2)).toBe(true);

    const failed = (await o.app.inject({ url: `/v1/tasks?persona_id=${persona}&status=failed` })).json();
    expect(failed.items.map((t: { id: string }) => t.id)).toEqual([ids[1]]);
    expect(failed.next_cursor).toBeNull();
  });
});

describe("GET /v1/tasks/:id", () => {
  it("returns the task with its post and usage once the worker has written them", async () => {
    const task = await createTask(o, { persona_id: persona });
    const postId = "01900000-0000-7000-8000-0000000000aa".replace(
      "aa",
      Math.floor(Math.random() * 256)
        .toString(16)
        .padStart(2, "0"),
    );
    await o.db.post.create({
      data: {
        id: postId,
        task_id: task.id,
        persona_id: persona,
        hook: "Hook",
        body: "Body",
        text: "🧪 Hook 🧪\n\nBody",
        published_id: "th_1",
      },
    });
    await o.db.task.update({
      where: { id: task.id },
      data: { status: "succeeded", attempts: 1, tokens_in: 120, tokens_out: 80, cost_usd: 0.0042, finished_at: new Date() },
    });
    const res = await o.app.inject({ url: `/v1/tasks/${task.id}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      id: task.id,
      status: "succeeded",
      attempts: 1,
      usage: { tokens_in: 120, tokens_out: 80, cost_usd: 0.0042 },
      post: { id: postId, task_id: task.id, text: "🧪 Hook 🧪\n\nBody", published_id: "th_1" },
    });
    expect(res.json().finished_at).toEqual(expect.any(String));
  });

  it("answers 404 problem+json for an unknown id", async () => {
    const res = await o.app.inject({ url: "/v1/tasks/01900000-0000-7000-8000-000000000000" });
    expect(res.statusCode).toBe(404);
    expect(res.headers["content-type"]).toMatch(/problem\+json/);
    expect(res.json().detail).toMatch(/Task "01900000-0000-7000-8000-000000000000" does not exist/);
  });
});

describe("POST /v1/tasks/:id/cancel", () => {
  it("removes a queued task's job, cancels the row and appends task.cancelled", async () => {
    const task = await createTask(o);
    const res = await o.app.inject({ method: "POST", url: `/v1/tasks/${task.id}/cancel` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: task.id, status: "cancelled", finished_at: expect.any(String) });
    expect(await o.queue.getJob(task.id)).toBeUndefined();
    expect(await eventTypes(task.id)).toEqual(["task.queued", "task.cancelled"]);
    // The stream is finished: it now expires after the retention window.
    expect(await o.redis.ttl(o.taskEvents.key("task", task.id))).toBeGreaterThan(0);
  });

  it("asks the worker holding a running task to stop it: 202, status unchanged, cancel key set", async () => {
    const task = await createTask(o);
    const held = await takeJob(o, task.id);
    try {
      expect(held.job.id).toBe(task.id);
      await o.db.task.update({ where: { id: task.id }, data: { status: "running", attempts: 1 } });
      const res = await o.app.inject({ method: "POST", url: `/v1/tasks/${task.id}/cancel` });
      expect(res.statusCode).toBe(202);
      expect(res.json().status).toBe("running");
      const key = redisKeys(o.config.REDIS_PREFIX).cancelTask(task.id);
      expect(await o.redis.exists(key)).toBe(1);
      expect(await o.redis.ttl(key)).toBeGreaterThan(23 * 3600);
      expect(await held.job.getState()).toBe("active");
      expect(await eventTypes(task.id)).toEqual(["task.queued"]);
    } finally {
      await held.release();
    }
  });

  it("answers 409 for a finished task", async () => {
    const task = await createTask(o);
    await o.db.task.update({ where: { id: task.id }, data: { status: "succeeded" } });
    const res = await o.app.inject({ method: "POST", url: `/v1/tasks/${task.id}/cancel` });
    expect(res.statusCode).toBe(409);
    expect(res.headers["content-type"]).toMatch(/problem\+json/);
    expect(res.json().detail).toMatch(/already succeeded/);
  });

  it("answers 404 for an unknown task", async () => {
    const res = await o.app.inject({ method: "POST", url: "/v1/tasks/01900000-0000-7000-8000-000000000001/cancel" });
    expect(res.statusCode).toBe(404);
  });

  it("cancels a deferred task (waiting for the Threads quota): its delayed job goes, the task is cancelled", async () => {
    const task = await createTask(o);
    const until = new Date(Date.now() + 3_600_000);
    await o.db.task.update({ where: { id: task.id }, data: { status: "deferred", deferred_until: until, attempts: 1 } });
    const shown = (await o.app.inject({ url: `/v1/tasks/${task.id}` })).json();
    expect(shown).toMatchObject({ status: "deferred", deferred_until: until.toISOString() });
    // Its job, as the worker left it: delayed until the task's time.
    await o.queue.remove(task.id);
    await addJob(o.queue, task, o.jobs, 3_600_000);
    expect(await (await o.queue.getJob(task.id))?.getState()).toBe("delayed");
    const res = await o.app.inject({ method: "POST", url: `/v1/tasks/${task.id}/cancel` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: "cancelled", deferred_until: null });
    expect(await o.queue.getJob(task.id)).toBeUndefined();
  });

  it("refuses (409) to cancel a task whose post may already be going out on Threads", async () => {
    const task = await createTask(o);
    await o.db.task.update({ where: { id: task.id }, data: { status: "running", attempts: 1 } });
    await o.db.post.create({
      data: {
        id: crypto.randomUUID(),
        task_id: task.id,
        persona_id: "ai-jesus",
        hook: "h",
        body: "b",
        text: "🙏 h 🙏\n\nb",
        threads_container_id: "17890000000000001",
        publish_attempted_at: new Date(),
        publish_attempts: 1,
      },
    });
    const res = await o.app.inject({ method: "POST", url: `/v1/tasks/${task.id}/cancel` });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ type: expect.stringMatching(/task-publishing$/), detail: expect.stringMatching(/being published/) });
    expect((await o.db.task.findUniqueOrThrow({ where: { id: task.id } })).status).toBe("running");
  });
});

describe("POST /v1/tasks/:id/retry", () => {
  it("re-queues a failed task: status queued, error cleared, task.queued appended, dead letter replaced by a fresh job", async () => {
    const task = await createTask(o);
    // Simulate the worker exhausting the job: dead letter in BullMQ, failed row, task.failed event.
    const held = await takeJob(o, task.id);
    await held.job.moveToFailed(new UnrecoverableError("persona-runtime unreachable"), held.token);
    await held.release();
    await o.lifecycle.task({
      id: task.id,
      to: "failed",
      set: { attempts: 1, error_code: "persona_runtime_unavailable", error_message: "unreachable", finished_at: new Date() },
      event: { type: "task.failed", error: { code: "persona_runtime_unavailable", message: "unreachable" } },
    });
    await o.redis.set(redisKeys(o.config.REDIS_PREFIX).cancelTask(task.id), "stale");
    expect(await (await o.queue.getJob(task.id))?.getState()).toBe("failed");

    const res = await o.app.inject({ method: "POST", url: `/v1/tasks/${task.id}/retry` });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ id: task.id, status: "queued", error: null, finished_at: null });
    const job = await o.queue.getJob(task.id);
    expect(await job?.getState()).toBe("waiting");
    expect(job?.attemptsMade).toBe(0);
    expect(await eventTypes(task.id)).toEqual(["task.queued", "task.failed", "task.queued"]);
    // The finished stream is live again (no expiry), and a stale cancel request is gone.
    expect(await o.redis.ttl(o.taskEvents.key("task", task.id))).toBe(-1);
    expect(await o.redis.exists(redisKeys(o.config.REDIS_PREFIX).cancelTask(task.id))).toBe(0);
  });

  it("re-queues a cancelled task", async () => {
    const task = await createTask(o);
    await o.app.inject({ method: "POST", url: `/v1/tasks/${task.id}/cancel` });
    const res = await o.app.inject({ method: "POST", url: `/v1/tasks/${task.id}/retry` });
    expect(res.statusCode).toBe(202);
    expect(await (await o.queue.getJob(task.id))?.getState()).toBe("waiting");
  });

  it.each(["queued", "running", "succeeded", "blocked"] as const)("answers 409 for a %s task", async (status) => {
    const task = await createTask(o);
    await o.db.task.update({ where: { id: task.id }, data: { status } });
    const res = await o.app.inject({ method: "POST", url: `/v1/tasks/${task.id}/retry` });
    expect(res.statusCode).toBe(409);
    expect(res.headers["content-type"]).toMatch(/problem\+json/);
    expect(res.json().detail).toBe(`Task is ${status}; only failed or cancelled tasks can be retried`);
  });

  it("retries once for a repeated Idempotency-Key", async () => {
    const task = await createTask(o);
    await o.app.inject({ method: "POST", url: `/v1/tasks/${task.id}/cancel` });
    const headers = { "idempotency-key": `retry-${task.id}` };
    const a = await o.app.inject({ method: "POST", url: `/v1/tasks/${task.id}/retry`, headers });
    const b = await o.app.inject({ method: "POST", url: `/v1/tasks/${task.id}/retry`, headers });
    expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
    expect(b.headers["idempotent-replayed"]).toBe("true");
    expect((await eventTypes(task.id)).filter((t) => t === "task.queued")).toHaveLength(2);
  });
});
