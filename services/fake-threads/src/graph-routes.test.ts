// The Graph API of fake-threads over plain HTTP: shapes, lifecycle, quota, tokens and errors as
// the real API documents them (the client in packages/threads is tested against it too).
import { PassThrough } from "node:stream";
import {
  GraphContainer,
  GraphDebugToken,
  GraphErrorEnvelope,
  GraphInsights,
  GraphMedia,
  GraphMediaPage,
  GraphPublishingLimit,
  GraphTokenGrant,
  GraphUser,
} from "@threads-agent/contracts";
import { createLogger, createMetrics } from "@threads-agent/observability";
import { type Listening, listen, waitFor } from "@threads-agent/testing";
import { afterEach, describe, expect, it } from "vitest";
import { buildApp } from "./app.ts";
import { configSchema, DEV_ACCESS_TOKEN } from "./config.ts";

const servers: Listening[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const HOUR = 3_600_000;
const TOKEN = "THAAconfigured-token-for-tests";

async function start(env: Record<string, string> = {}) {
  const clock = { now: Date.parse("2026-11-21T10:00:00.000Z") };
  const logs = new PassThrough();
  let output = "";
  logs.on("data", (chunk) => {
    output += chunk;
  });
  const app = buildApp({
    config: configSchema.parse({ THREADS_ACCESS_TOKEN: TOKEN, CONTAINER_READY_MS: "1000", ...env }),
    logger: createLogger({ service: "fake-threads", level: "debug", destination: logs }),
    metrics: createMetrics("fake-threads"),
    now: () => clock.now,
  });
  const server = await listen(app);
  servers.push(server);
  return { ...server, clock, app, logs: () => output };
}

type Answer = { status: number; headers: Headers; body: Record<string, unknown> };
const json = async (res: Response): Promise<Answer> => ({
  status: res.status,
  headers: res.headers,
  body: (await res.json()) as Record<string, unknown>,
});
const bearer = (token = TOKEN) => ({ authorization: `Bearer ${token}` });
const get = async (url: string, path: string, token: string | null = TOKEN) =>
  json(await fetch(`${url}${path}`, { headers: token ? bearer(token) : {} }));
const postForm = async (url: string, path: string, form: Record<string, string>, token: string | null = TOKEN) =>
  json(
    await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", ...(token ? bearer(token) : {}) },
      body: new URLSearchParams(form),
    }),
  );
const graphError = (answer: Answer) => GraphErrorEnvelope.parse(answer.body).error;

async function container(url: string, text: string, token = TOKEN) {
  const res = await postForm(url, "/v1.0/me/threads", { media_type: "TEXT", text }, token);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.id as string;
}
async function publishText(ctx: { url: string; clock: { now: number } }, text: string, token = TOKEN) {
  const id = await container(ctx.url, text, token);
  ctx.clock.now += 1000;
  const res = await postForm(ctx.url, "/v1.0/me/threads_publish", { creation_id: id }, token);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { containerId: id, mediaId: res.body.id as string };
}

describe("tokens", () => {
  it("takes the token as a bearer header, an access_token query parameter or a form field", async () => {
    const { url } = await start({ THREADS_USERNAME: "ai-jesus" });
    const me = await get(url, "/v1.0/me?fields=id,username");
    expect(me.status).toBe(200);
    expect(GraphUser.parse(me.body)).toEqual({ id: expect.stringMatching(/^\d{16}$/), username: "ai-jesus" });
    expect((await get(url, `/v1.0/me?access_token=${TOKEN}`, null)).body).toEqual({ id: me.body.id });
    const form = await postForm(url, "/v1.0/me/threads", { media_type: "TEXT", text: "hi", access_token: TOKEN }, null);
    expect(form.status).toBe(200);
  });

  it("answers missing, unknown, expired and revoked tokens with code 190 envelopes", async () => {
    const ctx = await start();
    const missing = await get(ctx.url, "/v1.0/me", null);
    expect(missing.status).toBe(400);
    expect(graphError(missing)).toMatchObject({ code: 190, type: "OAuthException", fbtrace_id: expect.any(String) });
    expect(missing.headers.get("www-authenticate")).toMatch(/^OAuth "Facebook Platform" "invalid_token"/);

    expect(graphError(await get(ctx.url, "/v1.0/me", "nope"))).toMatchObject({
      code: 190,
      message: expect.stringMatching(/Invalid OAuth access token/),
    });
    expect(graphError(await get(ctx.url, "/v1.0/me", "nope")).error_subcode).toBeUndefined();

    const account = await json(
      await fetch(`${ctx.url}/_accounts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "short-lived", token_expires_in: 3600 }),
      }),
    );
    const shortToken = account.body.access_token as string;
    expect((await get(ctx.url, "/v1.0/me", shortToken)).status).toBe(200);
    ctx.clock.now += HOUR;
    const expired = graphError(await get(ctx.url, "/v1.0/me", shortToken));
    expect(expired).toMatchObject({
      code: 190,
      error_subcode: 463,
      message: expect.stringMatching(/^Error validating access token: Session has expired on \w+day, \d\d-\w{3}-\d\d/),
    });

    const revoke = await fetch(`${ctx.url}/_tokens/revoke`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ access_token: TOKEN }),
    });
    expect(revoke.status).toBe(204);
    expect(graphError(await get(ctx.url, "/v1.0/me"))).toMatchObject({ code: 190, error_subcode: 460 });
  });

  it("inspects tokens with debug_token", async () => {
    const { url, clock } = await start();
    const res = await get(url, `/v1.0/debug_token?input_token=${TOKEN}`);
    const data = GraphDebugToken.parse(res.body).data;
    expect(data).toMatchObject({ type: "USER", is_valid: true, issued_at: clock.now / 1000, expires_at: clock.now / 1000 + 5_184_000 });
    expect(data.scopes).toContain("threads_content_publish");
    expect((await get(url, "/v1.0/debug_token?input_token=unknown")).body).toEqual({
      data: { is_valid: false, expires_at: 0, scopes: [] },
    });
  });

  it("refreshes a long-lived token that is at least 24 hours old, on the root without the version", async () => {
    const { url, clock } = await start();
    const early = await json(await fetch(`${url}/refresh_access_token?grant_type=th_refresh_token&access_token=${TOKEN}`));
    expect(early.status).toBe(400);
    expect(graphError(early)).toMatchObject({ code: 100, message: expect.stringMatching(/24 hours/) });

    clock.now += 25 * HOUR;
    const res = await json(await fetch(`${url}/refresh_access_token?grant_type=th_refresh_token&access_token=${TOKEN}`));
    const grant = GraphTokenGrant.parse(res.body);
    expect(grant).toMatchObject({ token_type: "bearer", expires_in: 5_184_000 });
    expect(grant.access_token).not.toBe(TOKEN);
    expect((await get(url, "/v1.0/me", grant.access_token)).status).toBe(200);

    const wrongGrant = await json(await fetch(`${url}/refresh_access_token?grant_type=ig_refresh_token&access_token=${TOKEN}`));
    expect(graphError(wrongGrant).code).toBe(100);
    expect(graphError(await json(await fetch(`${url}/refresh_access_token?grant_type=th_refresh_token`))).code).toBe(190);
  });

  it("uses the dev token for the default account when THREADS_ACCESS_TOKEN is unset", async () => {
    const clock = { now: Date.now() };
    const app = buildApp({
      config: configSchema.parse({}),
      logger: createLogger({ service: "t", level: "silent" }),
      metrics: createMetrics("t"),
      now: () => clock.now,
    });
    const server = await listen(app);
    servers.push(server);
    expect((await get(server.url, "/v1.0/me?fields=username", DEV_ACCESS_TOKEN)).body).toMatchObject({ username: "threads_agent" });
  });

  it("never writes a token to the log", async () => {
    const ctx = await start();
    await get(ctx.url, `/v1.0/me?access_token=${TOKEN}`, null);
    await get(ctx.url, "/v1.0/me", `${TOKEN}-wrong`);
    await postForm(ctx.url, "/v1.0/me/threads", { media_type: "TEXT", text: "x", access_token: TOKEN }, null);
    ctx.clock.now += 25 * HOUR;
    const grant = await json(await fetch(`${ctx.url}/refresh_access_token?grant_type=th_refresh_token&access_token=${TOKEN}`));
    await fetch(`${ctx.url}/_tokens/expire`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ access_token: TOKEN }),
    });
    await get(ctx.url, "/v1.0/me");
    const output = ctx.logs();
    expect(output).toContain("access token refused");
    expect(output).not.toContain(TOKEN);
    expect(output).not.toContain(grant.body.access_token as string);
  });
});

describe("containers and publishing", () => {
  it("goes IN_PROGRESS -> FINISHED -> PUBLISHED, and the media reads back with a permalink", async () => {
    const ctx = await start({ THREADS_USERNAME: "ai-jesus" });
    const id = await container(ctx.url, "🙏 Why rest? 🙏\n\nBecause.");
    expect(id).toMatch(/^\d{17}$/);
    expect(GraphContainer.parse((await get(ctx.url, `/v1.0/${id}`)).body)).toEqual({ id, status: "IN_PROGRESS" });
    const early = await postForm(ctx.url, "/v1.0/me/threads_publish", { creation_id: id });
    expect(graphError(early)).toMatchObject({ code: 24, error_subcode: 4279009, error_user_title: "Media Not Found" });

    ctx.clock.now += 1000;
    expect((await get(ctx.url, `/v1.0/${id}?fields=status,error_message`)).body).toEqual({ id, status: "FINISHED" });
    const published = await postForm(ctx.url, "/v1.0/me/threads_publish", { creation_id: id });
    expect(published.status).toBe(200);
    const mediaId = published.body.id as string;
    expect(mediaId).not.toBe(id);
    expect((await get(ctx.url, `/v1.0/${id}?fields=status`)).body).toEqual({ id, status: "PUBLISHED" });

    const media = GraphMedia.parse(
      (await get(ctx.url, `/v1.0/${mediaId}?fields=id,permalink,timestamp,text,username,shortcode,media_type,owner`)).body,
    );
    expect(media).toEqual({
      id: mediaId,
      permalink: `https://www.threads.net/@ai-jesus/post/${media.shortcode}`,
      timestamp: "2026-11-21T10:00:01+0000",
      text: "🙏 Why rest? 🙏\n\nBecause.",
      username: "ai-jesus",
      shortcode: expect.stringMatching(/^[A-Za-z0-9_-]{8,12}$/),
      media_type: "TEXT_POST",
      owner: { id: expect.any(String) },
    });
    expect((await get(ctx.url, `/v1.0/${mediaId}`)).body).toEqual({ id: mediaId });
  });

  it("refuses to publish a container twice", async () => {
    const ctx = await start();
    const { containerId } = await publishText(ctx, "once");
    const again = await postForm(ctx.url, "/v1.0/me/threads_publish", { creation_id: containerId });
    expect(again.status).toBe(400);
    expect(graphError(again)).toMatchObject({
      code: 24,
      error_subcode: 4279009,
      error_user_msg: expect.stringMatching(/already been published/),
    });
    expect((await get(ctx.url, "/v1.0/me/threads")).body.data).toHaveLength(1);
  });

  it("fails processing (ERROR) for text over the limit as Threads counts it, and says why", async () => {
    const ctx = await start();
    // 490 letters + two 🙏 (4 bytes each) + spaces = 500: fits. One more letter does not.
    const fits = await container(ctx.url, `🙏 ${"x".repeat(490)} 🙏`);
    const tooLong = await container(ctx.url, `🙏 ${"x".repeat(491)} 🙏`);
    ctx.clock.now += 1000;
    expect((await get(ctx.url, `/v1.0/${fits}?fields=status`)).body.status).toBe("FINISHED");
    const failed = GraphContainer.parse((await get(ctx.url, `/v1.0/${tooLong}?fields=status,error_message`)).body);
    expect(failed).toMatchObject({ status: "ERROR", error_message: expect.stringMatching(/^TEXT_TOO_LONG: 501 characters/) });
    expect(graphError(await postForm(ctx.url, "/v1.0/me/threads_publish", { creation_id: tooLong })).code).toBe(24);
  });

  it("expires containers not published within 24 hours", async () => {
    const ctx = await start();
    const id = await container(ctx.url, "later");
    ctx.clock.now += 24 * HOUR;
    expect((await get(ctx.url, `/v1.0/${id}?fields=status`)).body.status).toBe("EXPIRED");
    expect(graphError(await postForm(ctx.url, "/v1.0/me/threads_publish", { creation_id: id })).error_user_msg).toMatch(/EXPIRED/);
  });

  it("names bad parameters with code 100", async () => {
    const { url } = await start();
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /media_type is required/],
      [{ media_type: "GIF" }, /must be one of \{TEXT, IMAGE, VIDEO, CAROUSEL\}/],
      [{ media_type: "IMAGE", image_url: "https://example.com/a.jpg" }, /text posts only/],
      [{ media_type: "TEXT" }, /text is required/],
      [{ media_type: "TEXT", text: "reply", reply_to_id: "999" }, /reply_to_id/],
    ];
    for (const [form, message] of cases) {
      const res = await postForm(url, "/v1.0/me/threads", form);
      expect(res.status).toBe(400);
      expect(graphError(res)).toMatchObject({ code: 100, message: expect.stringMatching(message) });
    }
    expect(graphError(await postForm(url, "/v1.0/me/threads_publish", {})).message).toMatch(/creation_id is required/);
    expect(graphError(await get(url, "/v1.0/me?fields=id,bogus"))).toMatchObject({
      code: 100,
      message: "(#100) Tried accessing nonexisting field (bogus) on node type (ThreadsUser)",
    });
    expect(graphError(await get(url, "/v1.0/me/friends")).message).toMatch(/nonexisting field \(friends\)/);
    expect(graphError(await get(url, "/v1.0/123"))).toMatchObject({ code: 100, error_subcode: 33, type: "GraphMethodException" });
    expect(graphError(await get(url, "/v1.0/a/b/c"))).toMatchObject({ code: 100, message: "Unknown path components: /v1.0/a/b/c" });
    const badJson = await json(
      await fetch(`${url}/v1.0/me/threads`, { method: "POST", headers: { ...bearer(), "content-type": "application/json" }, body: "{" }),
    );
    expect(badJson.status).toBe(400);
    expect(graphError(badJson).code).toBe(100);
  });

  it("keeps each account's containers and insights to itself", async () => {
    const ctx = await start({ THREADS_ACCOUNTS: "ai-elon:elon-token-123" });
    const id = await container(ctx.url, "mine");
    ctx.clock.now += 1000;
    expect(graphError(await get(ctx.url, `/v1.0/${id}`, "elon-token-123")).error_subcode).toBe(33);
    expect(graphError(await postForm(ctx.url, "/v1.0/me/threads_publish", { creation_id: id }, "elon-token-123")).code).toBe(24);
    const mediaId = (await postForm(ctx.url, "/v1.0/me/threads_publish", { creation_id: id })).body.id as string;
    expect(graphError(await get(ctx.url, `/v1.0/${mediaId}/insights?metric=views`, "elon-token-123")).error_subcode).toBe(33);
    // Posts themselves are public.
    expect((await get(ctx.url, `/v1.0/${mediaId}?fields=username`, "elon-token-123")).body).toEqual({
      id: mediaId,
      username: "threads_agent",
    });
  });
});

describe("lists", () => {
  it("lists the account's threads newest first with Graph cursor paging", async () => {
    const ctx = await start();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await publishText(ctx, `post ${i}`)).mediaId);
    const newestFirst = [...ids].reverse();

    const page1 = GraphMediaPage.parse((await get(ctx.url, "/v1.0/me/threads?fields=id,text,timestamp&limit=2")).body);
    expect(page1.data.map((m) => m.text)).toEqual(["post 4", "post 3"]);
    expect(page1.paging?.cursors?.after).toBeTruthy();
    expect(page1.paging?.next).toMatch(/\/v1\.0\/me\/threads\?.*after=/);
    expect(page1.paging?.next).not.toContain("access_token");
    expect(page1.paging?.previous).toBeUndefined();

    const page2 = GraphMediaPage.parse((await get(ctx.url, `/v1.0/me/threads?limit=2&after=${page1.paging?.cursors?.after}`)).body);
    expect(page2.data.map((m) => m.id)).toEqual(newestFirst.slice(2, 4));
    expect(page2.paging?.previous).toBeTruthy();
    const page3 = GraphMediaPage.parse((await get(ctx.url, `/v1.0/me/threads?limit=2&after=${page2.paging?.cursors?.after}`)).body);
    expect(page3.data.map((m) => m.id)).toEqual(newestFirst.slice(4));
    expect(page3.paging?.next).toBeUndefined();
    const back = GraphMediaPage.parse((await get(ctx.url, `/v1.0/me/threads?limit=2&before=${page2.paging?.cursors?.before}`)).body);
    expect(back.data.map((m) => m.id)).toEqual(newestFirst.slice(0, 2));

    // By user id too, and filtered by time (Unix seconds or a date).
    const userId = (await get(ctx.url, "/v1.0/me")).body.id as string;
    const since = Math.floor(Date.parse("2026-11-21T10:00:04Z") / 1000);
    const recent = GraphMediaPage.parse((await get(ctx.url, `/v1.0/${userId}/threads?since=${since}`)).body);
    expect(recent.data.map((m) => m.id)).toEqual(newestFirst.slice(0, 2));
    const until = GraphMediaPage.parse((await get(ctx.url, `/v1.0/me/threads?until=2026-11-21T10:00:02Z`)).body);
    expect(until.data.map((m) => m.id)).toEqual(newestFirst.slice(3)); // published at 10:00:02 and 10:00:01

    expect(graphError(await get(ctx.url, "/v1.0/me/threads?limit=101")).message).toMatch(/should not exceed 100/);
    expect(graphError(await get(ctx.url, "/v1.0/me/threads?before=a&after=b")).code).toBe(100);
    expect(graphError(await get(ctx.url, "/v1.0/me/threads?since=someday")).code).toBe(100);
  });
});

describe("publishing limit", () => {
  it("counts posts in a rolling 24 h window and refuses threads_publish beyond the quota", async () => {
    const ctx = await start({ PUBLISH_QUOTA: "3" });
    const limit = async () =>
      GraphPublishingLimit.parse((await get(ctx.url, "/v1.0/me/threads_publishing_limit?fields=quota_usage,config")).body).data[0];
    expect(await limit()).toEqual({ quota_usage: 0, config: { quota_total: 3, quota_duration: 86_400 } });
    expect((await get(ctx.url, "/v1.0/me/threads_publishing_limit")).body).toEqual({ data: [{ quota_usage: 0 }] });
    for (let i = 0; i < 3; i++) await publishText(ctx, `p${i}`);
    expect((await limit())?.quota_usage).toBe(3);

    const id = await container(ctx.url, "one too many");
    ctx.clock.now += 1000;
    const refused = await postForm(ctx.url, "/v1.0/me/threads_publish", { creation_id: id });
    expect(refused.status).toBe(400);
    expect(graphError(refused)).toMatchObject({ code: 9, error_subcode: 2207042 });
    expect((await get(ctx.url, `/v1.0/${id}?fields=status`)).body.status).toBe("FINISHED");

    ctx.clock.now += 24 * HOUR - 3000; // the first post leaves the window
    expect((await limit())?.quota_usage).toBe(2);
    expect((await postForm(ctx.url, "/v1.0/me/threads_publish", { creation_id: id })).status).toBe(200);
  });
});

describe("insights", () => {
  it("answers media metrics in Graph's shape, growing with the post's age", async () => {
    const ctx = await start();
    const { mediaId } = await publishText(ctx, "🙏 How to rest 🙏\n\nSlowly.");
    const read = async () =>
      GraphInsights.parse((await get(ctx.url, `/v1.0/${mediaId}/insights?metric=views,likes,replies,reposts,quotes,shares`)).body);
    const fresh = await read();
    expect(fresh.data.map((d) => d.name)).toEqual(["views", "likes", "replies", "reposts", "quotes", "shares"]);
    expect(fresh.data[0]).toEqual({
      name: "views",
      period: "lifetime",
      values: [{ value: 0 }],
      title: "Views",
      description: "The number of times your post was played or displayed.",
      id: `${mediaId}/insights/views/lifetime`,
    });
    ctx.clock.now += 48 * HOUR;
    const later = await read();
    expect(later.data[0]?.values?.[0]?.value).toBeGreaterThan(0);
    expect(graphError(await get(ctx.url, `/v1.0/${mediaId}/insights`)).message).toMatch(/metric is required/);
    expect(graphError(await get(ctx.url, `/v1.0/${mediaId}/insights?metric=views,impressions`)).message).toMatch(
      /metric\[1\] must be one of/,
    );
  });

  it("answers followers_count as a total value that grows with engagement", async () => {
    const ctx = await start();
    const followers = async () =>
      GraphInsights.parse((await get(ctx.url, "/v1.0/me/threads_insights?metric=followers_count")).body).data[0]?.total_value?.value ?? -1;
    const before = await followers();
    expect(before).toBeGreaterThanOrEqual(50);
    const answer = (await get(ctx.url, "/v1.0/me/threads_insights?metric=followers_count")).body;
    expect(answer).toEqual({
      data: [
        {
          name: "followers_count",
          period: "day",
          total_value: { value: before },
          title: "followers_count",
          description: expect.any(String),
          id: expect.stringMatching(/\/insights\/followers_count\/day$/),
        },
      ],
    });
    for (let i = 0; i < 20; i++) await publishText(ctx, `post ${i}`);
    ctx.clock.now += 7 * 24 * HOUR;
    expect(await followers()).toBeGreaterThan(before);
    expect(graphError(await get(ctx.url, "/v1.0/me/threads_insights?metric=clicks")).message).toMatch(/does not emulate/);
  });
});

describe("fault injection", () => {
  it("fails the Nth call of an endpoint with a Graph code or an HTTP status", async () => {
    const ctx = await start();
    const armed = await json(
      await fetch(`${ctx.url}/_faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ endpoint: "me", nth: 2, times: 2, code: 4 }),
      }),
    );
    expect(armed.status).toBe(201);
    expect((await get(ctx.url, "/v1.0/me")).status).toBe(200);
    expect(graphError(await get(ctx.url, "/v1.0/me"))).toMatchObject({ code: 4, is_transient: true });
    expect(graphError(await get(ctx.url, "/v1.0/me")).code).toBe(4);
    expect((await get(ctx.url, "/v1.0/me")).status).toBe(200);

    await json(
      await fetch(`${ctx.url}/_faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ endpoint: "limit", status: 503 }),
      }),
    );
    const unavailable = await get(ctx.url, "/v1.0/me/threads_publishing_limit");
    expect(unavailable.status).toBe(503);
    expect(graphError(unavailable)).toMatchObject({ code: 2, is_transient: true });
  });

  it("records a publish and destroys the connection before any response byte", async () => {
    const ctx = await start();
    const id = await container(ctx.url, "lost in transit");
    ctx.clock.now += 1000;
    await json(
      await fetch(`${ctx.url}/_faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ endpoint: "publish", drop_response: true }),
      }),
    );
    await expect(postForm(ctx.url, "/v1.0/me/threads_publish", { creation_id: id })).rejects.toThrow();
    expect((await get(ctx.url, `/v1.0/${id}?fields=status`)).body.status).toBe("PUBLISHED");
    expect(((await get(ctx.url, "/v1.0/me/threads?fields=text")).body.data as { text: string }[]).map((m) => m.text)).toEqual([
      "lost in transit",
    ]);
  });

  it("holds the answer of a publish it did (delay_ms), and counts every threads_publish per container", async () => {
    const ctx = await start();
    const id = await container(ctx.url, "late answer");
    ctx.clock.now += 1000;
    await fetch(`${ctx.url}/_faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ endpoint: "publish", delay_ms: 3000 }),
    });
    let answered = false;
    const pending = postForm(ctx.url, "/v1.0/me/threads_publish", { creation_id: id }).finally(() => {
      answered = true;
    });
    // The post exists while its answer is still on hold.
    await waitFor("the held publish to be done", async () => (await get(ctx.url, `/v1.0/${id}?fields=status`)).body.status === "PUBLISHED");
    expect(answered).toBe(false);
    const answer = await pending;
    expect(answer.status).toBe(200);
    // A second publish of the same container is refused, and counted.
    expect(graphError(await postForm(ctx.url, "/v1.0/me/threads_publish", { creation_id: id }))).toMatchObject({ code: 24 });
    const listed = (await get(ctx.url, "/_containers", null)).body.items as Record<string, unknown>[];
    expect(listed).toEqual([
      expect.objectContaining({ id, text: "late answer", status: "PUBLISHED", publish_calls: 2, media_id: answer.body.id }),
    ]);
  });

  it("makes the next container fail processing with the chosen error_message (container_error)", async () => {
    const ctx = await start();
    await fetch(`${ctx.url}/_faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ endpoint: "container_create", container_error: "UNKNOWN: media processing failed" }),
    });
    const failing = await container(ctx.url, "will fail");
    const fine = await container(ctx.url, "will work");
    ctx.clock.now += 1000;
    expect((await get(ctx.url, `/v1.0/${failing}?fields=status,error_message`)).body).toEqual({
      id: failing,
      status: "ERROR",
      error_message: "UNKNOWN: media processing failed",
    });
    expect((await get(ctx.url, `/v1.0/${fine}?fields=status`)).body.status).toBe("FINISHED");
    expect(graphError(await postForm(ctx.url, "/v1.0/me/threads_publish", { creation_id: failing }))).toMatchObject({ code: 24 });
    const misplaced = await json(
      await fetch(`${ctx.url}/_faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ endpoint: "publish", container_error: "x" }),
      }),
    );
    expect(misplaced.body.errors).toEqual([{ field: "container_error", message: "only for endpoint container_create" }]);
  });

  it("validates rules and lists them", async () => {
    const { url } = await start();
    const bad = await json(
      await fetch(`${url}/_faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ endpoint: "nope", nth: 0, drop_response: true, status: 500 }),
      }),
    );
    expect(bad.status).toBe(400);
    expect((bad.body.errors as { field: string }[]).map((e) => e.field).sort()).toEqual(["endpoint", "nth"]);
    const conflicting = await json(
      await fetch(`${url}/_faults`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ endpoint: "publish", drop_response: true, status: 500 }),
      }),
    );
    expect(conflicting.body.errors).toEqual([{ field: "drop_response", message: expect.stringMatching(/no status or code/) }]);
    await fetch(`${url}/_faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ endpoint: "insights", code: 17, nth: 3 }),
    });
    expect((await get(url, "/_faults", null)).body.rules).toEqual([
      expect.objectContaining({ endpoint: "insights", code: 17, calls_to_skip: 2, failures_left: 1 }),
    ]);
  });

  it("serves no test-only endpoint when FAULT_INJECTION is off", async () => {
    const { url } = await start({ FAULT_INJECTION: "false" });
    for (const path of ["/_faults", "/_accounts", "/_clock", "/_containers"]) expect((await fetch(`${url}${path}`)).status).toBe(404);
    expect(
      (await fetch(`${url}/_tokens/expire`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })).status,
    ).toBe(404);
  });

  it("moves the clock for tests in other processes", async () => {
    const ctx = await start();
    const id = await container(ctx.url, "clock");
    const moved = await json(
      await fetch(`${ctx.url}/_clock`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ advance_ms: 25 * HOUR }),
      }),
    );
    expect(moved.body).toEqual({ now: "2026-11-22T11:00:00.000Z", offset_ms: 25 * HOUR, speed: 1 });
    expect((await get(ctx.url, `/v1.0/${id}?fields=status`)).body.status).toBe("EXPIRED");
  });

  it("runs the clock faster for tests that age posts in seconds", async () => {
    const ctx = await start();
    const setSpeed = (body: unknown) =>
      fetch(`${ctx.url}/_clock`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then(
        json,
      );
    expect((await setSpeed({ speed: 3600 })).body).toMatchObject({ now: "2026-11-21T10:00:00.000Z", speed: 3600 });
    // Two real seconds later an accelerated clock shows two hours more.
    ctx.clock.now += 2000;
    expect((await get(ctx.url, "/_clock", null)).body).toEqual({
      now: "2026-11-21T12:00:00.000Z",
      offset_ms: 2 * HOUR - 2000,
      speed: 3600,
    });
    // Back to real time keeps the time gained; speeds below 1 and empty moves are refused.
    await setSpeed({ speed: 1 });
    ctx.clock.now += 1000;
    expect((await get(ctx.url, "/_clock", null)).body.now).toBe("2026-11-21T12:00:01.000Z");
    expect((await setSpeed({ speed: 0.5 })).status).toBe(400);
    expect((await setSpeed({})).status).toBe(400);
  });
});
