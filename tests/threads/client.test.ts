// The client against a real fake-threads (its Fastify app on a free port): the calls, the error
// kinds, the exactly-once recovery path and the engagement model a bandit learns from.
import net from "node:net";
import { PassThrough } from "node:stream";
import { SEEDED_HOOK_STYLES } from "@threads-agent/contracts";
import { buildApp, configSchema } from "@threads-agent/fake-threads";
import { createLogger, createMetrics } from "@threads-agent/observability";
import { type Listening, listen } from "@threads-agent/testing";
import { createThreadsClient, ThreadsApiError, type ThreadsClient } from "@threads-agent/threads";
import { afterEach, describe, expect, it } from "vitest";

const HOUR = 3_600_000;
const TOKEN = "THAAclient-test-token-0123456789";

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

async function start(env: Record<string, string> = {}) {
  const clock = { offset: 0 };
  let logs = "";
  const stream = new PassThrough().on("data", (chunk) => {
    logs += chunk;
  });
  const app = buildApp({
    config: configSchema.parse({ THREADS_ACCESS_TOKEN: TOKEN, THREADS_USERNAME: "ai-jesus", CONTAINER_READY_MS: "150", ...env }),
    logger: createLogger({ service: "fake-threads", level: "debug", destination: stream }),
    metrics: createMetrics("fake-threads"),
    now: () => Date.now() + clock.offset,
  });
  const server: Listening = await listen(app);
  const client = createThreadsClient({ apiUrl: `${server.url}/v1.0`, accessToken: TOKEN, timeoutMs: 5_000 });
  cleanup.push(server.close, client.close);
  return {
    url: server.url,
    client,
    logs: () => logs,
    advance: (ms: number) => {
      clock.offset += ms;
    },
    test: async (path: string, body: unknown) => {
      const res = await fetch(`${server.url}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return (res.status === 204 ? null : await res.json()) as Record<string, unknown>;
    },
  };
}

/** The error a promise rejects with, checked to be a ThreadsApiError. */
async function failure(promise: Promise<unknown>): Promise<ThreadsApiError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ThreadsApiError);
  return err as ThreadsApiError;
}

/** Everything an error exposes, as text: where a leaked token would show. */
const everything = (err: unknown) => {
  const e = err as Error & { cause?: Error };
  return [String(e), e.stack, JSON.stringify(e), e.cause ? `${String(e.cause)} ${e.cause.stack} ${JSON.stringify(e.cause)}` : ""].join(
    "\n",
  );
};

async function publishText(client: ThreadsClient, userId: string, text: string) {
  const containerId = await client.createTextContainer(userId, text);
  await client.waitForContainer(containerId, { pollMs: 20, timeoutMs: 5_000 });
  return { containerId, mediaId: await client.publishContainer(userId, containerId) };
}

describe("publishing", () => {
  it("creates a container, waits for FINISHED, publishes and reads the permalink back", async () => {
    const { client } = await start();
    const me = await client.me();
    expect(me).toMatchObject({ id: expect.stringMatching(/^\d+$/), username: "ai-jesus" });
    expect(me.tokenExpiresAt?.getTime()).toBeGreaterThan(Date.now() + 59 * 24 * HOUR);

    const text = "🙏 Why do we rest? 🙏\n\nBecause even God took a day off.";
    const containerId = await client.createTextContainer(me.id, text);
    expect(await client.containerStatus(containerId)).toEqual({ id: containerId, status: "IN_PROGRESS", errorMessage: null });
    expect((await client.waitForContainer(containerId, { pollMs: 20, timeoutMs: 5_000 })).status).toBe("FINISHED");
    const mediaId = await client.publishContainer(me.id, containerId);
    expect((await client.containerStatus(containerId)).status).toBe("PUBLISHED");

    const media = await client.getMedia(mediaId);
    expect(media).toMatchObject({
      id: mediaId,
      text,
      username: "ai-jesus",
      permalink: expect.stringMatching(/^https:\/\/www\.threads\.net\/@ai-jesus\/post\/[\w-]+$/),
    });
    expect(Math.abs((media.timestamp?.getTime() ?? 0) - Date.now())).toBeLessThan(60_000);
    // "me" works in place of the user id.
    expect((await client.recentThreads("me")).items.map((p) => p.id)).toEqual([mediaId]);
  });

  it("reports a container that goes ERROR with Threads' message", async () => {
    const { client, url } = await start();
    // The client refuses over-long text itself, so create the container over raw HTTP.
    const raw = await fetch(`${url}/v1.0/me/threads`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ media_type: "TEXT", text: `🚀 ${"x".repeat(495)} 🚀` }),
    });
    const { id } = (await raw.json()) as { id: string };
    const err = await failure(client.waitForContainer(id, { pollMs: 20, timeoutMs: 5_000 }));
    expect(err.kind).toBe("invalid");
    expect(err.container).toEqual({ id, status: "ERROR", errorMessage: expect.stringMatching(/^TEXT_TOO_LONG/) });
    expect(err.message).toMatch(/status ERROR\): processing failed: TEXT_TOO_LONG: 505 characters/);
  });

  it("refuses text Threads would refuse before calling it, counting emoji as UTF-8 bytes", async () => {
    const { client, url } = await start();
    const me = await client.me();
    const err = await failure(client.createTextContainer(me.id, `🙏 ${"x".repeat(491)} 🙏`));
    expect(err).toMatchObject({ kind: "invalid", status: null, code: null });
    expect(err.message).toMatch(/501 characters as Threads counts them/);
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/threads_containers_created_total\{[^}]*\} 0\n/);
    expect((await failure(client.createTextContainer(me.id, "   "))).kind).toBe("invalid");
  });

  it("gives up on a container that expired, and on one that does not finish in time", async () => {
    const { client, advance } = await start({ CONTAINER_READY_MS: "600000" });
    const me = await client.me();
    const slow = await client.createTextContainer(me.id, "slow");
    const late = await failure(client.waitForContainer(slow, { pollMs: 20, timeoutMs: 100 }));
    expect(late).toMatchObject({ kind: "unavailable", container: { status: "IN_PROGRESS" } });
    advance(24 * HOUR);
    const expired = await failure(client.waitForContainer(slow, { pollMs: 20, timeoutMs: 1_000 }));
    expect(expired).toMatchObject({ kind: "invalid", container: { id: slow, status: "EXPIRED" } });
    expect(expired.message).toMatch(/create a new container/);
  });

  it("shows an exhausted quota through publishingLimit, and threads_publish refuses like Threads", async () => {
    const { client } = await start({ PUBLISH_QUOTA: "2" });
    const me = await client.me();
    expect(await client.publishingLimit(me.id)).toEqual({ quotaUsage: 0, quotaTotal: 2, quotaDurationSeconds: 86_400, remaining: 2 });
    await publishText(client, me.id, "one");
    await publishText(client, me.id, "two");
    expect(await client.publishingLimit(me.id)).toMatchObject({ quotaUsage: 2, remaining: 0 });
    const containerId = await client.createTextContainer(me.id, "three");
    await client.waitForContainer(containerId, { pollMs: 20, timeoutMs: 5_000 });
    const err = await failure(client.publishContainer(me.id, containerId));
    expect(err).toMatchObject({ kind: "rate_limited", status: 400, code: 9, subcode: 2207042, quotaExhausted: true, transient: true });
    expect(err.message).toMatch(/publishing limit \(250 posts per rolling 24 h\) is reached/);
    expect((await client.containerStatus(containerId)).status).toBe("FINISHED");
  });
});

describe("tokens", () => {
  it("gives kind token for an expired token, without the token in the error", async () => {
    const { client, test, advance } = await start();
    const account = await test("/_accounts", { username: "short-lived", token_expires_in: 60 });
    const short = client.withToken(account.access_token as string);
    expect((await short.me()).username).toBe("short-lived");
    advance(61_000);
    const err = await failure(short.me());
    expect(err).toMatchObject({
      kind: "token",
      status: 400,
      code: 190,
      subcode: 463,
      type: "OAuthException",
      fbtrace_id: expect.any(String),
    });
    expect(err.message).toMatch(/Session has expired/);
    expect(err.message).toMatch(/refresh it before it expires, or link the Threads account again/);
    expect(everything(err)).not.toContain(account.access_token as string);
  });

  it("refreshes a token into a new working one, on the host root", async () => {
    const { client, advance, logs } = await start();
    const early = await failure(client.refreshToken());
    expect(early).toMatchObject({ kind: "invalid", code: 100 });
    advance(25 * HOUR);
    const refreshed = await client.refreshToken();
    expect(refreshed).toMatchObject({ tokenType: "bearer", expiresIn: 5_184_000 });
    expect(refreshed.accessToken).not.toBe(TOKEN);
    expect(refreshed.expiresAt.getTime()).toBeGreaterThan(Date.now() + 59 * 24 * HOUR);
    const renewed = client.withToken(() => refreshed.accessToken);
    expect((await renewed.me()).username).toBe("ai-jesus");
    expect(logs()).not.toContain(refreshed.accessToken);
    expect(logs()).not.toContain(TOKEN);
  });

  it("never puts a token in an error, even when the refresh call's URL carries it", async () => {
    const secret = "THAAnever-in-an-error-abcdef";
    const { client } = await start();
    const refused = await failure(client.refreshToken(secret));
    expect(refused.kind).toBe("token");
    expect(everything(refused)).not.toContain(secret);
    // A transport failure on the refresh: nothing listens on that port.
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const offline = createThreadsClient({ apiUrl: `http://127.0.0.1:${port}/v1.0`, accessToken: secret, timeoutMs: 2_000 });
    cleanup.push(offline.close);
    for (const err of [await failure(offline.refreshToken()), await failure(offline.me())]) {
      expect(err.kind).toBe("unavailable");
      expect(everything(err)).not.toContain(secret);
    }
  });
});

describe("error kinds", () => {
  it("maps rate-limit codes and 429 to rate_limited, 5xx to unavailable, 100 to invalid, 190 to token", async () => {
    const { client, test } = await start();
    const me = await client.me();
    const cases: [Record<string, number>, string][] = [
      [{ code: 4 }, "rate_limited"],
      [{ code: 17 }, "rate_limited"],
      [{ code: 32 }, "rate_limited"],
      [{ code: 613 }, "rate_limited"],
      [{ status: 429 }, "rate_limited"],
      [{ status: 500 }, "unavailable"],
      [{ status: 503 }, "unavailable"],
      [{ code: 2, status: 503 }, "unavailable"],
      [{ code: 100 }, "invalid"],
      [{ code: 190 }, "token"],
    ];
    for (const [fault, kind] of cases) {
      await test("/_faults", { endpoint: "limit", ...fault });
      const err = await failure(client.publishingLimit(me.id));
      expect(err.kind, JSON.stringify(fault)).toBe(kind);
      if (fault.code) expect(err.code).toBe(fault.code);
    }
    expect((await client.publishingLimit(me.id)).quotaTotal).toBe(250);
  });

  it("turns a lost publish answer into unknown_outcome, and the container status then says PUBLISHED", async () => {
    const { client, test } = await start();
    const me = await client.me();
    const startedAt = new Date();
    const text = "🙏 Yesterday I forgave my manager 🙏\n\nIt took a while.";
    const containerId = await client.createTextContainer(me.id, text);
    await client.waitForContainer(containerId, { pollMs: 20, timeoutMs: 5_000 });
    await test("/_faults", { endpoint: "publish", drop_response: true });
    const err = await failure(client.publishContainer(me.id, containerId));
    expect(err.kind).toBe("unknown_outcome");
    expect(err.message).toMatch(/never publish the container twice/);

    // The retry asks Threads first: published, so recover the media id instead of publishing again.
    expect((await client.containerStatus(containerId)).status).toBe("PUBLISHED");
    const found = await client.findRecentThread(me.id, { text, since: startedAt });
    expect(found).toMatchObject({ text, permalink: expect.stringContaining("/post/") });
    expect((await client.getMedia(found?.id ?? "")).text).toBe(text);
    expect(await client.findRecentThread(me.id, { text: "never posted", since: startedAt })).toBeNull();
  });

  it("recovers the earliest post with the text whose media id no other post holds", async () => {
    const { client } = await start();
    const me = await client.me();
    const startedAt = new Date();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const containerId = await client.createTextContainer(me.id, "the same words");
      await client.waitForContainer(containerId, { pollMs: 20, timeoutMs: 5_000 });
      ids.push(await client.publishContainer(me.id, containerId));
    }
    expect((await client.findRecentThread(me.id, { text: "the same words", since: startedAt }))?.id).toBe(ids[0]);
    const taken = new Set([ids[0] as string]);
    expect((await client.findRecentThread(me.id, { text: "the same words", since: startedAt, exclude: taken }))?.id).toBe(ids[1]);
    const all = new Set(ids);
    expect(await client.findRecentThread(me.id, { text: "the same words", since: startedAt, exclude: all })).toBeNull();
  });

  it("calls a 5xx on publish unknown_outcome too, but a refused connection unavailable", async () => {
    const { client, test } = await start();
    const me = await client.me();
    const containerId = await client.createTextContainer(me.id, "maybe");
    await client.waitForContainer(containerId, { pollMs: 20, timeoutMs: 5_000 });
    await test("/_faults", { endpoint: "publish", status: 503 });
    expect((await failure(client.publishContainer(me.id, containerId))).kind).toBe("unknown_outcome");

    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as net.AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const offline = createThreadsClient({ apiUrl: `http://127.0.0.1:${port}/v1.0`, accessToken: TOKEN });
    cleanup.push(offline.close);
    expect((await failure(offline.publishContainer(me.id, containerId))).kind).toBe("unavailable");
  });

  it("calls a publish that times out after sending unknown_outcome", async () => {
    // A server that reads the request and never answers.
    const silent = net.createServer((socket) => socket.on("data", () => {}));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    cleanup.push(async () => {
      silent.close();
    });
    const sockets: net.Socket[] = [];
    silent.on("connection", (s) => sockets.push(s));
    cleanup.push(async () => {
      for (const s of sockets) s.destroy();
    });
    const port = (silent.address() as net.AddressInfo).port;
    const client = createThreadsClient({
      apiUrl: `http://127.0.0.1:${port}/v1.0`,
      accessToken: TOKEN,
      timeoutMs: 200,
      publishTimeoutMs: 200,
    });
    cleanup.push(client.close);
    const err = await failure(client.publishContainer("1", "2"));
    expect(err.kind).toBe("unknown_outcome");
    expect(err.message).toMatch(/no answer within 200 ms/);
    expect((await failure(client.getMedia("2"))).kind).toBe("unavailable");
  });
});

describe("insights", () => {
  it("grow with time, and the account's best hook style engages about twice as well (200 posts per style)", async () => {
    const { client, test, advance, url } = await start({ PUBLISH_QUOTA: "100000", CONTAINER_READY_MS: "0", MAX_POSTS: "5000" });
    const account = await test("/_accounts", { username: "bandit-lab", best_style: "contrarian" });
    const lab = client.withToken(account.access_token as string);
    const userId = account.id as string;
    const hooks: Record<string, (i: number) => string> = {
      question: (i) => `Why does rest ${i} feel like failure?`,
      bold_number: (i) => `${i + 3} habits that saved my launch`,
      contrarian: (i) => `Unpopular opinion: meeting ${i} was fine`,
      short_story: (i) => `Yesterday I shipped build ${i}`,
      how_to: (i) => `How to rest ${i} minutes without guilt`,
      other: (i) => `Rest is holy, day ${i}`,
    };
    expect(Object.keys(hooks)).toEqual([...SEEDED_HOOK_STYLES, "other"]);

    const posts: { style: string; mediaId: string }[] = [];
    const jobs = Object.entries(hooks).flatMap(([style, hook]) =>
      Array.from({ length: 200 }, (_, i) => ({ style, text: `🚀 ${hook(i)} 🚀\n\nThe body.` })),
    );
    for (let i = 0; i < jobs.length; i += 16)
      posts.push(
        ...(await Promise.all(
          jobs.slice(i, i + 16).map(async (job) => {
            const containerId = await lab.createTextContainer(userId, job.text);
            return { style: job.style, mediaId: await lab.publishContainer(userId, containerId) };
          }),
        )),
      );

    const followersAtStart = await lab.followerCount(userId);
    const read = async () => {
      const totals = new Map<string, { views: number; interactions: number }>();
      for (let i = 0; i < posts.length; i += 32)
        await Promise.all(
          posts.slice(i, i + 32).map(async ({ style, mediaId }) => {
            const m = await lab.mediaInsights(mediaId);
            const t = totals.get(style) ?? { views: 0, interactions: 0 };
            t.views += m.views;
            t.interactions += m.likes + m.replies + m.reposts + m.quotes + m.shares;
            totals.set(style, t);
          }),
        );
      return totals;
    };
    advance(HOUR);
    const hour = await read();
    advance(3 * 24 * HOUR);
    const days = await read();

    const rate = (style: string) => (days.get(style)?.interactions ?? 0) / (days.get(style)?.views ?? 1);
    for (const style of Object.keys(hooks)) expect(days.get(style)!.views, style).toBeGreaterThan(hour.get(style)!.views);
    for (const style of ["question", "bold_number", "short_story", "how_to", "other"]) {
      expect(rate("contrarian") / rate(style), `contrarian vs ${style}`).toBeGreaterThan(1.5);
      expect(rate(style), style).toBeGreaterThan(0.01);
      expect(rate(style), style).toBeLessThan(0.05);
    }
    expect(await lab.followerCount(userId)).toBeGreaterThan(followersAtStart);
    // The deprecated /published lists them all too, as the original contract's bare array.
    expect(((await (await fetch(`${url}/published`)).json()) as unknown[]).length).toBe(1200);
  });
});
