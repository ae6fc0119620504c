// PUT/DELETE /v1/personas/:id/threads-account against fake-threads (its app on a free port): the
// token is checked with Threads at once, stored encrypted, and never comes back.
import { randomBytes } from "node:crypto";
import { buildApp as buildFakeThreads, configSchema as fakeThreadsConfig } from "@threads-agent/fake-threads";
import { createLogger, createMetrics } from "@threads-agent/observability";
import { type Listening, listen } from "@threads-agent/testing";
import { TokenCipher, tokenContext } from "@threads-agent/threads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Orchestrator, startOrchestrator } from "../../services/orchestrator/src/test-fixture.ts";

const KEY = randomBytes(32).toString("base64");
let threads: Listening;
let o: Orchestrator;
let keyless: Orchestrator;

beforeAll(async () => {
  threads = await listen(
    buildFakeThreads({
      config: fakeThreadsConfig.parse({ THREADS_ACCOUNTS: "ai-jesus:jesus-token-0001,ai-elon:elon-token-0002" }),
      logger: createLogger({ service: "fake-threads", level: "silent" }),
      metrics: createMetrics("fake-threads"),
    }),
  );
  o = await startOrchestrator({ THREADS_API_URL: `${threads.url}/v1.0`, TOKEN_ENCRYPTION_KEY: KEY });
  keyless = await startOrchestrator({ THREADS_API_URL: `${threads.url}/v1.0` });
});
afterAll(async () => {
  await o?.close();
  await keyless?.close();
  await threads?.close();
});

const link = (target: Orchestrator, persona: string, body: unknown) =>
  target.app.inject({
    method: "PUT",
    url: `/v1/personas/${persona}/threads-account`,
    headers: { "content-type": "application/json" },
    payload: JSON.stringify(body),
  });

async function personaCopy(): Promise<string> {
  const id = `linked-${randomBytes(3).toString("hex")}`;
  const base = (await o.app.inject({ url: "/v1/personas/ai-jesus" })).json();
  const res = await o.app.inject({
    method: "POST",
    url: "/v1/personas",
    payload: {
      id,
      name: base.name,
      emoji: base.emoji,
      temperament: base.temperament,
      hook_prompt: base.hook_prompt,
      body_prompt: base.body_prompt,
    },
  });
  expect(res.statusCode, res.body).toBe(201);
  return id;
}

describe("PUT /v1/personas/:id/threads-account", () => {
  it("checks the token with Threads, stores it encrypted and answers the persona with its account, never the token", async () => {
    const id = await personaCopy();
    const res = await link(o, id, { access_token: "jesus-token-0001" });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.body).not.toContain("jesus-token-0001");
    const persona = res.json();
    expect(persona.threads_account).toEqual({
      username: "ai-jesus",
      user_id: expect.stringMatching(/^\d{16}$/),
      token_expires_at: expect.any(String),
    });
    // debug_token's expiry: configured tokens last 60 days.
    expect(Date.parse(persona.threads_account.token_expires_at)).toBeGreaterThan(Date.now() + 59 * 86_400_000);
    expect((await o.app.inject({ url: `/v1/personas/${id}` })).json().threads_account).toEqual(persona.threads_account);
    const listed = (await o.app.inject({ url: "/v1/personas?limit=200" })).body;
    expect(listed).toContain(persona.threads_account.user_id);
    expect(listed).not.toContain("jesus-token-0001");

    const row = await o.db.threadsAccount.findUniqueOrThrow({ where: { persona_id: id } });
    expect(row.token_ciphertext).not.toContain("jesus-token-0001");
    expect(TokenCipher.fromBase64(KEY).decrypt(row.token_ciphertext, tokenContext.persona(id))).toBe("jesus-token-0001");
  });

  it("replaces the account of a persona linked again", async () => {
    const id = await personaCopy();
    expect((await link(o, id, { access_token: "jesus-token-0001" })).statusCode).toBe(200);
    const again = await link(o, id, { access_token: "elon-token-0002" });
    expect(again.json().threads_account.username).toBe("ai-elon");
    expect(await o.db.threadsAccount.count({ where: { persona_id: id } })).toBe(1);
  });

  it("answers 422 naming access_token when Threads refuses the token, without repeating it", async () => {
    const id = await personaCopy();
    const res = await link(o, id, { access_token: "not-a-real-token-4242" });
    expect(res.statusCode).toBe(422);
    expect(res.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(res.json().errors).toEqual([{ field: "access_token", message: expect.stringMatching(/Threads refused it \(code 190\)/) }]);
    expect(res.body).not.toContain("not-a-real-token-4242");
    expect((await o.app.inject({ url: `/v1/personas/${id}` })).json().threads_account).toBeNull();
  });

  it.each([
    ["no body fields", {}, "access_token"],
    ["an empty token", { access_token: "  " }, "access_token"],
    ["a token that is not a string", { access_token: 42 }, "access_token"],
    ["an unknown field", { access_token: "x", user_id: "1" }, "user_id"],
  ])("answers 400 for %s, naming %s", async (_label, body, field) => {
    const res = await link(o, "ai-jesus", body);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
  });

  it("answers 404 for an unknown persona", async () => {
    expect((await link(o, "ai-nobody", { access_token: "jesus-token-0001" })).statusCode).toBe(404);
  });

  it("answers 503 naming TOKEN_ENCRYPTION_KEY when it is not configured", async () => {
    const res = await link(keyless, "ai-jesus", { access_token: "jesus-token-0001" });
    expect(res.statusCode).toBe(503);
    expect(res.json().detail).toMatch(/TOKEN_ENCRYPTION_KEY/);
  });

  it("answers 503 when Threads cannot be reached to check the token", async () => {
    const unreachable = await startOrchestrator({ THREADS_API_URL: "http://127.0.0.1:9/v1.0", TOKEN_ENCRYPTION_KEY: KEY });
    try {
      const res = await link(unreachable, "ai-jesus", { access_token: "jesus-token-0001" });
      expect(res.statusCode).toBe(503);
      expect(res.json().detail).toMatch(/Threads could not check the token/);
    } finally {
      await unreachable.close();
    }
  });
});

describe("DELETE /v1/personas/:id/threads-account", () => {
  it("unlinks the account: the persona publishes as the default account again", async () => {
    const id = await personaCopy();
    await link(o, id, { access_token: "jesus-token-0001" });
    const res = await o.app.inject({ method: "DELETE", url: `/v1/personas/${id}/threads-account` });
    expect(res.statusCode).toBe(204);
    expect((await o.app.inject({ url: `/v1/personas/${id}` })).json().threads_account).toBeNull();
    expect(await o.db.threadsAccount.count({ where: { persona_id: id } })).toBe(0);
    expect((await o.app.inject({ method: "DELETE", url: "/v1/personas/ai-nobody/threads-account" })).statusCode).toBe(404);
  });
});
