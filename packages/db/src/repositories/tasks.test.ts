// findTaskForWork is the worker's task lookup on the raw path: it must give exactly what Prisma's
// findUnique with the same include gives (the worker's code was written against those objects).
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { createDb, rawSql } from "../client.ts";
import { findTaskForWork } from "./tasks.ts";

const db = createDb(process.env.THREADS_AGENT_TEST_DATABASE_URL as string);
afterAll(() => db.$disconnect());

const include = { post: true, persona: { include: { threads_account: true } } } as const;

async function persona(withAccount: boolean): Promise<string> {
  const id = `p-${randomUUID().slice(0, 8)}`;
  await db.persona.create({
    data: { id, name: "P", emoji: "🧪", temperament: "kind", description: "d", hook_prompt: "h", body_prompt: "b", topics: ["a", "b"] },
  });
  if (withAccount)
    await db.threadsAccount.create({
      data: { id: randomUUID(), persona_id: id, user_id: "123", token_ciphertext: "x", token_expires_at: new Date() },
    });
  return id;
}

describe("findTaskForWork", () => {
  it("gives Prisma's task with its post and its persona's account", async () => {
    const personaId = await persona(true);
    const id = randomUUID();
    await db.task.create({
      data: { id, persona_id: personaId, input: "x", trace: { traceparent: "00-a-b-01" }, cost_usd: "0.00012345", publish_at: new Date() },
    });
    await db.post.create({
      data: { id: randomUUID(), task_id: id, persona_id: personaId, hook: "h", body: "b", text: "t", container_created_at: new Date() },
    });
    const found = await findTaskForWork(rawSql(db), id);
    expect(found).toStrictEqual(await db.task.findUnique({ where: { id }, include }));
    expect(found?.cost_usd.toString()).toBe("0.00012345");
    expect(found?.post?.container_created_at).toBeInstanceOf(Date);
  });

  it("gives null for a missing post and account, and for a missing task", async () => {
    const personaId = await persona(false);
    const id = randomUUID();
    await db.task.create({ data: { id, persona_id: personaId, input: "x" } });
    const found = await findTaskForWork(rawSql(db), id);
    expect(found).toStrictEqual(await db.task.findUnique({ where: { id }, include }));
    expect(found?.post).toBeNull();
    expect(found?.persona.threads_account).toBeNull();
    expect(await findTaskForWork(rawSql(db), randomUUID())).toBeNull();
  });
});
