// The Threads Graph API under /v1.0, plus the token refresh on the root, answering in Graph's own
// shapes and error envelopes. docs/threads-api.md describes the real API these follow.
import { THREADS_MEDIA_METRICS, type ThreadsMediaMetric, unsafeTextReason } from "@threads-agent/contracts";
import { drainOversizedBody } from "@threads-agent/observability";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { Account } from "./accounts.ts";
import type { Container } from "./containers.ts";
import type { Fault, FaultEndpoint } from "./faults.ts";
import {
  GraphError,
  injectedError,
  invalidParameter,
  mediaNotFound,
  publishingLimitReached,
  tokenExpired,
  tokenInvalid,
  tokenMissing,
  tokenRevoked,
  unknownPath,
  unsupportedRequest,
} from "./graph-errors.ts";
import { isNumericId } from "./ids.ts";
import type { Post } from "./post-store.ts";
import type { ThreadsState } from "./state.ts";

export const GRAPH_VERSION = "v1.0";
const DAY_MS = 86_400_000;
const REPLY_QUOTA = 1_000;
const REFRESH_MIN_AGE_MS = DAY_MS;
const SCOPES = ["threads_basic", "threads_content_publish", "threads_manage_insights", "threads_manage_replies", "threads_read_replies"];

type Params = Record<string, unknown>;
type Authed = { account: Account; token: { issuedAt: number; expiresAt: number } };

/** Graph timestamps: ISO 8601 to the second with a numeric offset, "2023-10-17T05:42:03+0000". */
export const graphTimestamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "+0000");

// Fields Meta documents per node; the ones fake-threads has values for are answered, the others
// are simply absent (as Graph leaves out fields a text post has no value for).
const USER_FIELDS = [
  "id",
  "username",
  "name",
  "threads_profile_picture_url",
  "threads_biography",
  "is_verified",
  "recently_searched_keywords",
];
const CONTAINER_FIELDS = ["id", "status", "error_message"];
const MEDIA_FIELDS = [
  "id",
  "media_product_type",
  "media_type",
  "media_url",
  "permalink",
  "owner",
  "username",
  "text",
  "timestamp",
  "shortcode",
  "thumbnail_url",
  "children",
  "is_quote_post",
  "quoted_post",
  "reposted_post",
  "alt_text",
  "link_attachment_url",
  "gif_url",
  "poll_attachment",
  "topic_tag",
  "has_replies",
  "is_reply",
  "is_reply_owned_by_me",
  "root_post",
  "replied_to",
  "hide_status",
  "reply_audience",
  "is_spoiler_media",
  "text_entities",
  "text_attachment",
  "location_id",
];
const LIMIT_FIELDS = [
  "quota_usage",
  "config",
  "reply_quota_usage",
  "reply_config",
  "delete_quota_usage",
  "delete_config",
  "location_search_quota_usage",
  "location_search_config",
];
const METRIC_INFO: Record<ThreadsMediaMetric, { title: string; description: string }> = {
  views: { title: "Views", description: "The number of times your post was played or displayed." },
  likes: { title: "Likes", description: "The number of likes on your post." },
  replies: { title: "Replies", description: "The number of replies on your post." },
  reposts: { title: "Reposts", description: "The number of times your post was reposted." },
  quotes: { title: "Quotes", description: "The number of times your post was quoted." },
  shares: { title: "Shares", description: "The number of shares of your post." },
};
const USER_METRICS: Record<string, string> = {
  followers_count: "Your total number of followers on Threads.",
  likes: "The number of likes on your posts.",
  replies: "The number of replies on your posts.",
  reposts: "The number of times your posts were reposted.",
  quotes: "The number of times your posts were quoted.",
};
const DOCUMENTED_USER_METRICS = ["views", "likes", "replies", "reposts", "quotes", "clicks", "followers_count", "follower_demographics"];

const str = (params: Params, name: string): string | undefined => {
  const value = params[name];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value === "string") {
    const unsafe = unsafeTextReason(value);
    if (unsafe) throw invalidParameter(`Param ${name} ${unsafe}`);
    return value;
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw invalidParameter(`Param ${name} must be a string`);
};

/** `fields=a,b`: the requested fields (always with id), checked against what the node has. */
function fieldsOf(params: Params, node: string, known: string[], defaults: string[]): string[] {
  const raw = str(params, "fields");
  if (!raw) return defaults;
  const fields = raw
    .split(",")
    .map((f) => f.trim())
    .filter(Boolean);
  for (const field of fields)
    if (!known.includes(field)) throw invalidParameter(`Tried accessing nonexisting field (${field}) on node type (${node})`);
  return ["id", ...fields.filter((f) => f !== "id")];
}

/** Unix seconds, or a date Date.parse understands (Graph takes anything strtotime() does). */
function timeParam(params: Params, name: string): number | undefined {
  const raw = str(params, name);
  if (raw === undefined) return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) * 1000 : Date.parse(raw);
  if (!Number.isFinite(ms)) throw invalidParameter(`Param ${name} must be a Unix timestamp or a date/time string`);
  return ms;
}

const encodeCursor = (id: string) => Buffer.from(id).toString("base64url");
function decodeCursor(name: string, value: string): bigint {
  const id = Buffer.from(value, "base64url").toString();
  if (!isNumericId(id)) throw invalidParameter(`Param ${name} is not a valid cursor`);
  return BigInt(id);
}

export function registerGraphRoutes(app: FastifyInstance, state: ThreadsState): void {
  const { accounts, containers, posts, faults, counters, logger } = state;

  /** The caller's account from `Authorization: Bearer|OAuth <token>` or an `access_token` parameter. */
  function authenticate(request: FastifyRequest, params: Params): Authed {
    const header = /^(?:Bearer|OAuth)\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "");
    const value = header?.[1] ?? str(params, "access_token");
    const check = accounts.check(value);
    if (check.ok) return { account: check.account, token: check.token };
    counters.tokenRejections.inc({ reason: check.reason });
    logger.info({ reason: check.reason, user_id: check.token?.userId }, "access token refused");
    if (check.reason === "missing") throw tokenMissing();
    if (check.reason === "expired") throw tokenExpired(check.token?.expiresAt ?? state.now(), state.now());
    if (check.reason === "revoked") throw tokenRevoked();
    throw tokenInvalid();
  }

  /**
   * Runs one call of `endpoint` under the armed faults: an injected error instead of the work, or
   * the work done and then the connection destroyed before any byte of the answer; either may be
   * held `delayMs` first (after the work: the answer is late, the work is not).
   */
  async function withFaults<T>(
    endpoint: FaultEndpoint,
    request: FastifyRequest,
    reply: FastifyReply,
    work: (fault: Fault | null) => T,
  ): Promise<T | FastifyReply> {
    const fault = faults.take(endpoint);
    if (fault) counters.injected.inc({ endpoint });
    const hold = () => (fault?.delayMs ? new Promise((r) => setTimeout(r, fault.delayMs)) : undefined);
    if (fault?.action === "fail") {
      await hold();
      throw injectedError(fault);
    }
    const result = work(fault);
    if (fault?.delayMs) {
      logger.warn({ endpoint, delay_ms: fault.delayMs }, "fault injection: did the work, holding the response");
      await hold();
    }
    if (fault?.action === "drop") {
      logger.warn({ endpoint }, "fault injection: did the work, dropping the response");
      reply.hijack();
      request.raw.socket.destroy();
      return reply;
    }
    return result;
  }

  const isSelf = (id: string, authed: Authed) => id === "me" || id === authed.account.id;

  const userView = (account: Account, fields: string[]) => {
    const values: Record<string, unknown> = { id: account.id, username: account.username, name: account.name, is_verified: false };
    return Object.fromEntries(fields.filter((f) => f in values).map((f) => [f, values[f]]));
  };

  const containerView = (container: Container, fields: string[]) => {
    const { status, errorMessage } = containers.status(container);
    const values: Record<string, unknown> = { id: container.id, status, ...(errorMessage ? { error_message: errorMessage } : {}) };
    return Object.fromEntries(fields.filter((f) => f in values).map((f) => [f, values[f]]));
  };

  const mediaView = (post: Post, fields: string[], viewer: Account) => {
    const owner = state.accountOf(post);
    const values: Record<string, unknown> = {
      id: post.id,
      media_product_type: "THREADS",
      media_type: "TEXT_POST",
      permalink: state.permalinkOf(post),
      ...(owner.id === viewer.id && !post.replyToId ? { owner: { id: owner.id } } : {}),
      username: owner.username,
      text: post.text,
      timestamp: graphTimestamp(post.publishedAt),
      shortcode: post.shortcode,
      is_quote_post: false,
      has_replies: posts.hasReplies(post.id),
      is_reply: post.replyToId !== null,
      ...(post.replyToId ? { replied_to: { id: post.replyToId }, root_post: { id: rootOf(post) } } : {}),
    };
    return Object.fromEntries(fields.filter((f) => f in values).map((f) => [f, values[f]]));
  };

  const rootOf = (post: Post): string => {
    let current = post;
    for (let hops = 0; current.replyToId && hops < 100; hops++) {
      const parent = posts.get(current.replyToId);
      if (!parent) return current.replyToId;
      current = parent;
    }
    return current.id;
  };

  const paramsOf = (request: FastifyRequest): Params => ({
    ...(request.query as Params),
    ...(request.body && typeof request.body === "object" && !Array.isArray(request.body) ? (request.body as Params) : {}),
  });

  // ---- reads ---------------------------------------------------------------------------------

  function listThreads(request: FastifyRequest, params: Params, authed: Authed, path: string) {
    const fields = fieldsOf(params, "ThreadsMedia", MEDIA_FIELDS, ["id"]);
    const limitRaw = str(params, "limit");
    const limit = limitRaw === undefined ? 25 : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 0) throw invalidParameter("Param limit must be a non-negative whole number");
    if (limit > 100) throw invalidParameter("The 'limit' parameter should not exceed 100");
    const since = timeParam(params, "since");
    const until = timeParam(params, "until");
    if (since !== undefined && until !== undefined && since >= until) throw invalidParameter("Param since must be earlier than until");
    const beforeRaw = str(params, "before");
    const afterRaw = str(params, "after");
    if (beforeRaw && afterRaw) throw invalidParameter("Only one of the before and after parameters can be given");
    const before = beforeRaw ? decodeCursor("before", beforeRaw) : undefined;
    const after = afterRaw ? decodeCursor("after", afterRaw) : undefined;

    // Newest first, replies left out (they are the /replies edge on Threads).
    const all = [...posts.ofAccount(authed.account.id)]
      .reverse()
      .filter(
        (p) => p.replyToId === null && (since === undefined || p.publishedAt >= since) && (until === undefined || p.publishedAt <= until),
      );
    let start = 0;
    let end = all.length;
    if (after !== undefined) start = all.findIndex((p) => BigInt(p.id) < after);
    if (start < 0) start = all.length;
    if (before !== undefined) {
      end = all.findIndex((p) => BigInt(p.id) <= before);
      if (end < 0) end = all.length;
      start = Math.max(0, end - limit);
    }
    const page = all.slice(start, Math.min(end, start + limit));
    const first = page[0];
    const last = page.at(-1);
    const origin = `${request.protocol}://${request.host}`;
    // Graph's own next/previous links carry the access token; these leave it out (it would end up in logs).
    const link = (cursor: Record<string, string>) => {
      const query = new URLSearchParams();
      for (const name of ["fields", "limit", "since", "until"]) {
        const value = str(params, name);
        if (value !== undefined) query.set(name, value);
      }
      for (const [k, v] of Object.entries(cursor)) query.set(k, v);
      return `${origin}/${GRAPH_VERSION}/${path}/threads?${query}`;
    };
    const paging: Record<string, unknown> = {};
    if (first && last) paging.cursors = { before: encodeCursor(first.id), after: encodeCursor(last.id) };
    if (last && start + page.length < all.length) paging.next = link({ after: encodeCursor(last.id) });
    if (first && start > 0) paging.previous = link({ before: encodeCursor(first.id) });
    return { data: page.map((p) => mediaView(p, fields, authed.account)), paging };
  }

  function publishingLimit(params: Params, authed: Authed) {
    const fields = fieldsOf(params, "ThreadsPublishingLimit", LIMIT_FIELDS, ["quota_usage"]).filter((f) => f !== "id");
    const since = state.now() - DAY_MS;
    const values: Record<string, unknown> = {
      quota_usage: posts.graphPostsSince(authed.account.id, since, false),
      config: { quota_total: state.config.PUBLISH_QUOTA, quota_duration: DAY_MS / 1000 },
      reply_quota_usage: posts.graphPostsSince(authed.account.id, since, true),
      reply_config: { quota_total: REPLY_QUOTA, quota_duration: DAY_MS / 1000 },
      delete_quota_usage: 0,
      delete_config: { quota_total: 100, quota_duration: DAY_MS / 1000 },
      location_search_quota_usage: 0,
      location_search_config: { quota_total: 500, quota_duration: DAY_MS / 1000 },
    };
    return { data: [Object.fromEntries(fields.map((f) => [f, values[f]]))] };
  }

  function metricList(params: Params): string[] {
    const raw = str(params, "metric");
    if (!raw) throw invalidParameter("The parameter metric is required");
    return raw
      .split(",")
      .map((m) => m.trim())
      .filter(Boolean);
  }

  function mediaInsights(params: Params, post: Post) {
    const names = metricList(params);
    names.forEach((name, i) => {
      if (!(THREADS_MEDIA_METRICS as readonly string[]).includes(name))
        throw invalidParameter(`metric[${i}] must be one of the following values: ${THREADS_MEDIA_METRICS.join(", ")}`);
    });
    const metrics = state.metricsOf(post);
    return {
      data: (names as ThreadsMediaMetric[]).map((name) => ({
        name,
        period: "lifetime",
        values: [{ value: metrics[name] }],
        title: METRIC_INFO[name].title,
        description: METRIC_INFO[name].description,
        id: `${post.id}/insights/${name}/lifetime`,
      })),
    };
  }

  function userInsights(params: Params, authed: Authed) {
    const names = metricList(params);
    names.forEach((name, i) => {
      if (!DOCUMENTED_USER_METRICS.includes(name))
        throw invalidParameter(`metric[${i}] must be one of the following values: ${DOCUMENTED_USER_METRICS.join(", ")}`);
      if (!(name in USER_METRICS))
        throw invalidParameter(`fake-threads does not emulate the user metric ${name}; it serves ${Object.keys(USER_METRICS).join(", ")}`);
    });
    const totals = { likes: 0, replies: 0, reposts: 0, quotes: 0 };
    if (names.some((n) => n in totals))
      for (const post of posts.ofAccount(authed.account.id)) {
        const m = state.metricsOf(post);
        for (const key of Object.keys(totals) as (keyof typeof totals)[]) totals[key] += m[key];
      }
    return {
      data: names.map((name) => ({
        name,
        period: "day",
        total_value: { value: name === "followers_count" ? state.followersOf(authed.account) : totals[name as keyof typeof totals] },
        title: name,
        description: USER_METRICS[name],
        id: `${authed.account.id}/insights/${name}/day`,
      })),
    };
  }

  // ---- writes --------------------------------------------------------------------------------

  function createContainer(params: Params, authed: Authed, fault: Fault | null) {
    const mediaType = str(params, "media_type");
    if (!mediaType) throw invalidParameter("The parameter media_type is required");
    if (!["TEXT", "IMAGE", "VIDEO", "CAROUSEL"].includes(mediaType))
      throw invalidParameter("Param media_type must be one of {TEXT, IMAGE, VIDEO, CAROUSEL}");
    if (mediaType !== "TEXT") throw invalidParameter(`fake-threads emulates text posts only (media_type=TEXT), not ${mediaType}`);
    if (params.auto_publish_text !== undefined && String(params.auto_publish_text) === "true")
      throw invalidParameter("fake-threads does not emulate auto_publish_text: publish the container with threads_publish");
    const text = str(params, "text");
    if (!text) throw invalidParameter("The parameter text is required for media_type=TEXT");
    const replyToId = str(params, "reply_to_id") ?? null;
    if (replyToId !== null && !(isNumericId(replyToId) && posts.get(replyToId)))
      throw invalidParameter(`Param reply_to_id must be the id of an existing Threads post, not ${JSON.stringify(replyToId.slice(0, 40))}`);
    const container = containers.create({ userId: authed.account.id, text, replyToId });
    if (fault?.action === "container_error") container.failure = fault.message;
    counters.containers.inc();
    logger.info({ account_id: authed.account.id, container_id: container.id, failing: container.failure !== null }, "container created");
    return { id: container.id };
  }

  function publish(params: Params, authed: Authed) {
    const creationId = str(params, "creation_id");
    if (!creationId) throw invalidParameter("The parameter creation_id is required");
    const container = isNumericId(creationId) ? containers.get(creationId) : undefined;
    if (!container || container.userId !== authed.account.id) throw mediaNotFound(creationId, "No such container for this account.");
    const { status } = containers.status(container);
    if (status === "IN_PROGRESS")
      throw mediaNotFound(creationId, "The container is still IN_PROGRESS: publish it once its status is FINISHED.");
    if (status === "ERROR") throw mediaNotFound(creationId, "The container failed processing (status ERROR).");
    if (status === "EXPIRED") throw mediaNotFound(creationId, "The container EXPIRED: containers must be published within 24 hours.");
    if (status === "PUBLISHED") throw mediaNotFound(creationId, "The container has already been published.");
    const reply = container.replyToId !== null;
    const used = posts.graphPostsSince(authed.account.id, state.now() - DAY_MS, reply);
    if (used >= (reply ? REPLY_QUOTA : state.config.PUBLISH_QUOTA))
      throw publishingLimitReached(reply ? REPLY_QUOTA : state.config.PUBLISH_QUOTA);
    const post = posts.add({
      accountId: authed.account.id,
      text: container.text,
      source: "graph",
      containerId: container.id,
      replyToId: container.replyToId,
      topic: null,
    });
    containers.markPublished(container, post.id);
    counters.published.inc({ api: "graph" });
    logger.info({ account_id: authed.account.id, container_id: container.id, media_id: post.id }, "published");
    return { id: post.id };
  }

  // ---- routing -------------------------------------------------------------------------------

  app.register(
    async (graph) => {
      // Graph takes parameters as a query string, a form or JSON; the platform's URLSearchParams is all a form needs.
      graph.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_request, body, done) => {
        done(null, Object.fromEntries(new URLSearchParams(body as string)));
      });

      graph.setErrorHandler((error: FastifyError | GraphError, request, reply) => {
        if (error instanceof GraphError) return sendGraphError(reply, error);
        // Read the rest of an oversized body, so the client sees the answer rather than a reset.
        if ((error as FastifyError).code === "FST_ERR_CTP_BODY_TOO_LARGE") drainOversizedBody(request, reply);
        const status = (error as FastifyError).statusCode;
        if (status && status >= 400 && status < 500) return sendGraphError(reply, invalidParameter(error.message));
        logger.error({ err: error, route: request.routeOptions.url }, "unhandled error");
        return sendGraphError(
          reply,
          new GraphError(500, { message: "An unknown error occurred", type: "OAuthException", code: 1, is_transient: true }),
        );
      });
      graph.setNotFoundHandler((request, reply) => sendGraphError(reply, unknownPath(request.url.split("?")[0] ?? "")));

      graph.get("/debug_token", async (request, reply) => {
        const params = paramsOf(request);
        authenticate(request, params);
        return withFaults("debug_token", request, reply, () => {
          const input = str(params, "input_token");
          if (!input) throw invalidParameter("The parameter input_token is required");
          const token = accounts.find(input);
          if (!token) return { data: { is_valid: false, expires_at: 0, scopes: [] } };
          const valid = token.revokedAt === null && state.now() < token.expiresAt;
          return {
            data: {
              type: "USER",
              application: "fake-threads",
              data_access_expires_at: Math.floor((token.issuedAt + 90 * DAY_MS) / 1000),
              expires_at: Math.floor(token.expiresAt / 1000),
              is_valid: valid,
              issued_at: Math.floor(token.issuedAt / 1000),
              scopes: SCOPES,
              user_id: token.userId,
            },
          };
        });
      });

      graph.get<{ Params: { id: string } }>("/:id", async (request, reply) => {
        const params = paramsOf(request);
        const authed = authenticate(request, params);
        const { id } = request.params;
        if (isSelf(id, authed))
          return withFaults("me", request, reply, () => userView(authed.account, fieldsOf(params, "ThreadsUser", USER_FIELDS, ["id"])));
        const container = isNumericId(id) ? containers.get(id) : undefined;
        if (container) {
          if (container.userId !== authed.account.id) throw unsupportedRequest("get", id);
          return withFaults("container_status", request, reply, () =>
            containerView(container, fieldsOf(params, "ThreadsMediaContainer", CONTAINER_FIELDS, ["id", "status"])),
          );
        }
        const post = isNumericId(id) ? posts.get(id) : undefined;
        if (post)
          return withFaults("media", request, reply, () =>
            mediaView(post, fieldsOf(params, "ThreadsMedia", MEDIA_FIELDS, ["id"]), authed.account),
          );
        throw unsupportedRequest("get", id);
      });

      graph.get<{ Params: { id: string; edge: string } }>("/:id/:edge", async (request, reply) => {
        const params = paramsOf(request);
        const authed = authenticate(request, params);
        const { id, edge } = request.params;
        if (isSelf(id, authed)) {
          if (edge === "threads") return withFaults("list", request, reply, () => listThreads(request, params, authed, id));
          if (edge === "threads_publishing_limit") return withFaults("limit", request, reply, () => publishingLimit(params, authed));
          if (edge === "threads_insights") return withFaults("followers", request, reply, () => userInsights(params, authed));
          throw invalidParameter(`Tried accessing nonexisting field (${edge}) on node type (ThreadsUser)`);
        }
        const post = isNumericId(id) ? posts.get(id) : undefined;
        if (post) {
          if (edge !== "insights") throw invalidParameter(`Tried accessing nonexisting field (${edge}) on node type (ThreadsMedia)`);
          // Insights are the owner's to read.
          if (post.accountId !== authed.account.id) throw unsupportedRequest("get", id);
          return withFaults("insights", request, reply, () => mediaInsights(params, post));
        }
        throw unsupportedRequest("get", id);
      });

      graph.post<{ Params: { id: string; edge: string } }>("/:id/:edge", async (request, reply) => {
        const params = paramsOf(request);
        const authed = authenticate(request, params);
        const { id, edge } = request.params;
        if (!isSelf(id, authed)) throw unsupportedRequest("post", id);
        if (edge === "threads") return withFaults("container_create", request, reply, (fault) => createContainer(params, authed, fault));
        if (edge === "threads_publish") {
          // Every call counts, refused (or failed on purpose) or not: tests read it (GET /_containers) to prove a post was never published twice.
          const named = str(params, "creation_id");
          const container = named && isNumericId(named) ? containers.get(named) : undefined;
          if (container?.userId === authed.account.id) container.publishCalls++;
          return withFaults("publish", request, reply, () => publish(params, authed));
        }
        throw invalidParameter(`Tried accessing nonexisting field (${edge}) on node type (ThreadsUser)`);
      });

      graph.post<{ Params: { id: string } }>("/:id", async (request) => {
        authenticate(request, paramsOf(request));
        throw unsupportedRequest("post", request.params.id);
      });
      graph.delete<{ Params: { id: string } }>("/:id", async (request) => {
        authenticate(request, paramsOf(request));
        throw unsupportedRequest("delete", request.params.id);
      });
    },
    { prefix: `/${GRAPH_VERSION}` },
  );

  // Token refresh lives on the host root, without the version.
  app.get("/refresh_access_token", async (request, reply) => {
    try {
      const params = request.query as Params;
      const grant = str(params, "grant_type");
      if (grant !== "th_refresh_token") throw invalidParameter("Param grant_type must be th_refresh_token");
      const authed = authenticate(request, params);
      const refreshed = await withFaults("refresh", request, reply, () => {
        if (state.now() - authed.token.issuedAt < REFRESH_MIN_AGE_MS)
          throw invalidParameter("The access token must be at least 24 hours old to be refreshed");
        const token = accounts.issue(authed.account.id);
        logger.info({ account_id: authed.account.id }, "access token refreshed");
        return { access_token: token.value, token_type: "bearer", expires_in: Math.round((token.expiresAt - state.now()) / 1000) };
      });
      return refreshed;
    } catch (err) {
      if (err instanceof GraphError) return sendGraphError(reply, err);
      throw err;
    }
  });
}

export function sendGraphError(reply: FastifyReply, error: GraphError) {
  return reply.code(error.status).headers(error.headers).type("application/json; charset=UTF-8").send(error.envelope());
}
