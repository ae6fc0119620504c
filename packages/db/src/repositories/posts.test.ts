// insertPostWithUsage stores what the worker's transaction did (post.create, llmCall.createMany,
// task.update with increments), as one statement, and writes nothing when the task has a post.
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { createDb, rawSql } from "../client.ts";
import { isUniqueViolation } from "../errors.ts";
import { findPost, insertPostWithUsage, updatePostIf } from "./posts.ts";

const db = createDb(process.env.THREADS_AGENT_TEST_DATABASE_URL as string);
afterAll(() => db.$disconnect());

const call = (step: string, cost: number) => ({
  id: randomUUID(),
  step,
  provider: "offline",
  model: `offline/${step}`,
  tokens_in: 10,
  tokens_out: 5,
  cost_usd: cost,
  latency_ms: 12,
  reason: "primary",
});
const post = (taskId: string) => ({
  id: randomUUID(),
  task_id: taskId,
  persona_id: "ai-jesus",
  hook: "h",
  body: "b",
  text: "h b",
  hook_style: "question",
});

describe("insertPostWithUsage", () => {
  it("stores the post, its calls and the task's added usage, and returns Prisma's post with the task's cost", async () => {
    const taskId = randomUUID();
    await db.task.create({ data: { id: taskId, persona_id: "ai-jesus", input: "x", tokens_in: 1, tokens_out: 2, cost_usd: "0.001" } });
    const calls = [call("hook", 0.00001234), call("body", 1e-7)];
    const stored = await insertPostWithUsage(rawSql(db), post(taskId), calls);
    expect(stored.post).toStrictEqual(await db.post.findUnique({ where: { task_id: taskId } }));
    const task = await db.task.findUniqueOrThrow({ where: { id: taskId } });
    expect(stored.taskCostUsd).toStrictEqual(task.cost_usd);
    expect(task.cost_usd.toString()).toBe("0.00101244");
    expect([task.tokens_in, task.tokens_out]).toEqual([21, 12]);
    const rows = await db.llmCall.findMany({ where: { task_id: taskId }, orderBy: { step: "asc" } });
    expect(rows.map((r) => [r.id, r.step, r.model, r.tokens_in, r.tokens_out, r.cost_usd.toFixed(8), r.latency_ms, r.reason])).toEqual([
      [calls[1]?.id, "body", "offline/body", 10, 5, "0.00000010", 12, "primary"],
      [calls[0]?.id, "hook", "offline/hook", 10, 5, "0.00001234", 12, "primary"],
    ]);
  });

  it("stores a post without calls", async () => {
    const taskId = randomUUID();
    await db.task.create({ data: { id: taskId, persona_id: "ai-jesus", input: "x" } });
    const stored = await insertPostWithUsage(rawSql(db), post(taskId), []);
    expect(stored.taskCostUsd.toString()).toBe("0");
    expect(await db.llmCall.count({ where: { task_id: taskId } })).toBe(0);
  });

  it("fails as a unique violation, writing nothing, when the task already has a post", async () => {
    const taskId = randomUUID();
    await db.task.create({ data: { id: taskId, persona_id: "ai-jesus", input: "x" } });
    const first = await insertPostWithUsage(rawSql(db), post(taskId), [call("hook", 0.5)]);
    const err = await insertPostWithUsage(rawSql(db), post(taskId), [call("hook", 0.25)]).catch((e: unknown) => e);
    expect(isUniqueViolation(err)).toBe(true);
    expect((await db.post.findUniqueOrThrow({ where: { task_id: taskId } })).id).toBe(first.post.id);
    expect(await db.llmCall.count({ where: { task_id: taskId } })).toBe(1);
    expect((await db.task.findUniqueOrThrow({ where: { id: taskId } })).cost_usd.toString()).toBe("0.5");
  });
});

describe("updatePostIf", () => {
  it("writes only when every condition holds (null as IS NULL), returning Prisma's row as written", async () => {
    const taskId = randomUUID();
    await db.task.create({ data: { id: taskId, persona_id: "ai-jesus", input: "x" } });
    const { post: stored } = await insertPostWithUsage(rawSql(db), post(taskId), []);
    const at = new Date();
    const committed = await updatePostIf(
      rawSql(db),
      stored.id,
      { threads_container_id: null, published_id: null },
      { threads_container_id: "c1", container_created_at: at },
    );
    expect(committed).toStrictEqual(await db.post.findUnique({ where: { id: stored.id } }));
    expect(committed?.container_created_at).toEqual(at);
    // A second container does not replace the first.
    expect(await updatePostIf(rawSql(db), stored.id, { threads_container_id: null }, { threads_container_id: "c2" })).toBeNull();
    const claim = { published_id: null, threads_container_id: "c1", publish_attempts: 0 };
    const claimed = await updatePostIf(rawSql(db), stored.id, claim, { publish_attempted_at: at, publish_attempts: { increment: 1 } });
    expect(claimed?.publish_attempts).toBe(1);
    // The count moved on: the same claim no longer holds.
    expect(await updatePostIf(rawSql(db), stored.id, claim, { publish_attempted_at: at, publish_attempts: { increment: 1 } })).toBeNull();
    expect(await findPost(rawSql(db), stored.id)).toStrictEqual(claimed);
    expect(await findPost(rawSql(db), randomUUID())).toBeNull();
  });
});
