// Threads tokens never leave the places they must be: not in any service's output, not in an SSE
// stream, not in an API response or error, not in the database in the clear. The stack runs at
// debug level; the test links accounts (one refused), runs tasks as a linked account, as the
// default account, and with an expired token, then looks for every token everywhere.
import { randomBytes } from "node:crypto";
import { FAKE_THREADS_ACCOUNTS } from "@threads-agent/stack";
import { readSse } from "@threads-agent/testing";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Fixture, startPipeline } from "./stack-fixture.ts";

const DEFAULT_TOKEN = `THdefault-${randomBytes(12).toString("hex")}`;
let f: Fixture;
beforeAll(async () => {
  f = await startPipeline({ LOG_LEVEL: "debug", THREADS_ACCESS_TOKEN: DEFAULT_TOKEN });
});
afterAll(async () => {
  await f?.stack.stop();
});

async function newPersona(): Promise<string> {
  const id = `secret-${randomBytes(3).toString("hex")}`;
  const base = (await f.json<Record<string, string>>("/v1/personas/ai-jesus")).body;
  const res = await f.json("/v1/personas", {
    method: "POST",
    body: { id, name: "Secret keeper", emoji: "🔐", temperament: "calm", hook_prompt: base.hook_prompt, body_prompt: base.body_prompt },
  });
  expect(res.status).toBe(201);
  return id;
}

it("never shows a token in logs, events, API responses or errors", async () => {
  const responses: string[] = [];
  const keep = async <T>(call: Promise<{ status: number; body: T; headers: Headers }>) => {
    const res = await call;
    responses.push(JSON.stringify(res.body));
    return res;
  };

  // A persona linked to its own account, one whose token will expire, one on the default account.
  const linked = await newPersona();
  const expiring = await newPersona();
  const unlinked = await newPersona();
  const accountA = await f.threads.account(`acct${randomBytes(3).toString("hex")}`);
  const accountB = await f.threads.account(`acct${randomBytes(3).toString("hex")}`);
  const refused = `THbogus-${randomBytes(12).toString("hex")}`;
  const tokens = [DEFAULT_TOKEN, accountA.access_token, accountB.access_token, refused, ...Object.values(FAKE_THREADS_ACCOUNTS)];

  const link = (persona: string, token: string) =>
    keep(f.json(`/v1/personas/${persona}/threads-account`, { method: "PUT", body: { access_token: token } }));
  expect((await link(linked, accountA.access_token)).status).toBe(200);
  expect((await link(expiring, accountB.access_token)).status).toBe(200);
  expect((await link(unlinked, refused)).status).toBe(422);
  await f.threads.expire(accountB.access_token);

  const tasks: Record<string, string> = {};
  for (const [name, persona] of [
    ["linked", linked],
    ["expiring", expiring],
    ["unlinked", unlinked],
    ["seeded", "ai-jesus"],
  ] as const) {
    tasks[name] = (await f.createTask({ persona_id: persona, input: `Keeping secrets, part ${name}` })).id;
  }
  await f.waitForStatus(tasks.linked as string, "succeeded", 45_000);
  await f.waitForStatus(tasks.unlinked as string, "succeeded", 45_000);
  await f.waitForStatus(tasks.seeded as string, "succeeded", 45_000);
  const failed = (await f.waitForStatus(tasks.expiring as string, "failed", 45_000)) as { error: { code: string; message: string } };
  expect(failed.error.code).toBe("threads_token");
  expect(failed.error.message).toContain(`the Threads token for ${expiring} expired or was revoked: link the account again`);

  // Everything a client can read.
  const streams: string[] = [];
  for (const id of Object.values(tasks)) {
    const { messages } = await readSse(`${f.api}/v1/tasks/${id}/events`, { timeoutMs: 20_000 });
    streams.push(...messages.map((m) => m.data));
    await keep(f.json(`/v1/tasks/${id}`));
  }
  for (const path of ["/v1/personas?limit=200", `/v1/personas/${linked}`, "/v1/tasks?limit=50", "/v1/posts?limit=50", "/v1/queues"])
    await keep(f.json(path));
  responses.push(await (await fetch(`${f.api}/metrics`)).text());

  // The output is the real thing: the links, the publishes as each account, the token failure are in it.
  expect(f.logs.some((l) => l.includes("Threads account linked") && l.includes(linked))).toBe(true);
  expect(f.logs.some((l) => l.includes("default Threads account resolved"))).toBe(true);
  expect((await f.published(tasks.unlinked as string)).map((p) => p.topic)).toEqual(["threads_agent"]);
  expect((await f.published(tasks.linked as string)).map((p) => p.topic)).toEqual([accountA.username]);

  const rows = await f.db.threadsAccount.findMany();
  expect(rows.length).toBeGreaterThanOrEqual(2);
  const places: Record<string, string[]> = {
    "service output": f.logs,
    "SSE streams": streams,
    "API responses": responses,
    "stored token columns": rows.map((r) => r.token_ciphertext),
  };
  for (const token of tokens)
    for (const [place, texts] of Object.entries(places)) {
      const hit = texts.find((t) => t.includes(token));
      expect(hit, `a token appears in ${place}`).toBeUndefined();
    }
});
