// The endpoints that came before the Graph API:
//  - the ORIGINAL threads-agent contract (old clients and the original e2e tests): POST /publish
//    {topic, content}, GET /published as a bare array, GET /ping, /posts/{id}/comments; no headers;
//  - DEPRECATED: POST /publish {text, persona_id} with an Idempotency-Key, GET /published?limit=,
//    GET /posts/:id[/insights]. The worker publishes this way until it moves to the Graph API
//    (packages/threads); then these go.
import { type FieldError, type Insights, type PublishedPost, PublishRequest } from "@threads-agent/contracts";
import { AppError, NotFound, Unauthorized, ValidationFailed, validate } from "@threads-agent/http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import { engagementRate } from "./engagement.ts";
import { isNumericId } from "./ids.ts";
import { type Post, requestHashOf, toPublishedPost } from "./post-store.ts";
import type { ThreadsState } from "./state.ts";

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** The original body. As in the original (pydantic `str` fields) any string goes, bounded here so memory is. */
const OriginalPublish = z.object({
  topic: z.string({ message: "expected a string" }).max(200, "at most 200 characters"),
  content: z.string({ message: "expected a string" }).max(10_000, "at most 10000 characters"),
});

const CommentCreate = z.object({
  text: z.string({ message: "expected a string" }).max(10_000, "at most 10000 characters"),
  author: z.string({ message: "expected a string" }).max(200, "at most 200 characters"),
});
const CommentParams = z.object({ id: z.string().min(1).max(200) });

// Up to 1000 per page: test suites read everything a run published in one call.
const ListPublishedQuery = z.strictObject({
  persona_id: z.string().min(1).max(64).optional(),
  limit: z.coerce
    .number({ message: "expected a number" })
    .int("expected a whole number")
    .min(1, "at least 1")
    .max(1000, "at most 1000")
    .default(50),
  cursor: z.string().refine(isNumericId, "expected a post id from next_cursor").optional(),
});

const PostParams = z.object({ id: z.string().refine(isNumericId, "expected a numeric post id") });

class InjectedFault extends AppError {
  constructor(status: number, remaining: number) {
    super(status, "injected-fault", "Injected fault", `Failing on purpose (POST /_faults); ${remaining} more publish call(s) will fail`);
  }
}

/** What the original `GET /published` lists for a post: its topic and content (plus id and time). */
const originalView = (post: Post, state: ThreadsState) => ({
  topic: post.topic ?? post.personaId ?? state.accountOf(post).username,
  content: post.text,
  id: post.id,
  published_at: new Date(post.publishedAt).toISOString(),
});

export function registerLegacyRoutes(app: FastifyInstance, state: ThreadsState): void {
  const { posts, faults, counters, logger } = state;
  // Only an explicitly configured token guards the deprecated routes, as before the Graph API.
  const guarded = Boolean(state.config.THREADS_ACCESS_TOKEN);

  /** @deprecated routes: `Authorization: Bearer <token>` of any account, when THREADS_ACCESS_TOKEN is set. */
  function requireBearer(request: FastifyRequest, reply: FastifyReply): void {
    if (!guarded) return;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? "");
    if (!match) {
      reply.header("www-authenticate", 'Bearer realm="fake-threads"');
      throw new Unauthorized("An access token is required: send 'Authorization: Bearer <THREADS_ACCESS_TOKEN>'");
    }
    if (!state.accounts.check(match[1]).ok) {
      reply.header("www-authenticate", 'Bearer realm="fake-threads", error="invalid_token"');
      throw new Unauthorized("The access token is not valid");
    }
  }

  app.get("/ping", async () => ({ pong: true }));

  app.post("/publish", async (request, reply) => {
    const legacy = faults.takeLegacy();
    const rule = legacy ? null : faults.take("legacy_publish");
    if (legacy || rule?.action === "fail") {
      counters.injected.inc({ endpoint: "legacy_publish" });
      const status = legacy?.status ?? (rule?.action === "fail" ? rule.status : undefined) ?? 503;
      if (status === 429 || status === 503) reply.header("retry-after", "1");
      throw new InjectedFault(status, legacy?.remaining ?? 0);
    }
    const body = request.body;
    const isOriginal = body !== null && typeof body === "object" && !("text" in body) && ("topic" in body || "content" in body);
    const answer = isOriginal ? { status: 200, headers: {}, body: publishOriginal(body) } : publishDeprecated(request, reply);
    if (rule?.action === "drop") {
      counters.injected.inc({ endpoint: "legacy_publish" });
      logger.warn({ endpoint: "legacy_publish" }, "fault injection: published, dropping the response");
      reply.hijack();
      request.raw.socket.destroy();
      return reply;
    }
    return reply.code(answer.status).headers(answer.headers).send(answer.body);
  });

  /** The original contract: no headers, `{status: "published", topic, content}` back. */
  function publishOriginal(body: unknown) {
    const { topic, content } = validate(OriginalPublish, body, "body");
    const account = state.accountForPersona(topic);
    const post = posts.add({
      accountId: account.id,
      text: content,
      source: "original",
      containerId: null,
      replyToId: null,
      personaId: topic,
      idempotencyKey: null,
      topic,
    });
    counters.published.inc({ api: "original" });
    logger.info({ post_id: post.id, account_id: account.id }, "published (original API)");
    return { status: "published", topic, content, id: post.id, published_at: new Date(post.publishedAt).toISOString() };
  }

  /** @deprecated `{text, persona_id?, reply_to_id?}` with an Idempotency-Key. */
  function publishDeprecated(
    request: FastifyRequest,
    reply: FastifyReply,
  ): { status: number; headers: Record<string, string>; body: PublishedPost } {
    requireBearer(request, reply);
    // Report a bad key and a bad body together, so one round trip shows everything to fix.
    const key = request.headers["idempotency-key"];
    const problems: FieldError[] = [];
    if (typeof key !== "string" || !IDEMPOTENCY_KEY.test(key)) {
      problems.push({
        field: "Idempotency-Key",
        message:
          key === undefined
            ? "header is required: a retried publish must not post twice, so every publish carries a key (the task id)"
            : "must be 1-255 visible ASCII characters",
      });
    }
    const parsed = PublishRequest.safeParse(request.body);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        if (issue.code === "unrecognized_keys") for (const k of issue.keys) problems.push({ field: k, message: "unknown field" });
        else problems.push({ field: issue.path.join(".") || "body", message: issue.message });
      }
    }
    if (problems.length || !parsed.success) throw new ValidationFailed(problems);
    const input = parsed.data;
    if (input.reply_to_id && !(isNumericId(input.reply_to_id) && posts.get(input.reply_to_id)))
      throw new ValidationFailed([{ field: "reply_to_id", message: `post "${input.reply_to_id}" does not exist` }]);

    const idempotencyKey = key as string;
    const hash = requestHashOf([input.text, input.persona_id ?? null, input.reply_to_id ?? null]);
    const existing = posts.byIdempotencyKey(idempotencyKey);
    if (existing) {
      counters.replays.inc();
      // The first post stands even if the retry's text differs (a regenerated post): Threads must
      // not show two posts for one task. The mismatch is worth a warning, not a failure.
      if (existing.requestHash !== hash)
        logger.warn(
          { post_id: existing.id, idempotency_key: idempotencyKey },
          "Idempotency-Key reused with a different body; returning the first post",
        );
      return {
        status: 200,
        headers: { "idempotent-replayed": "true", location: `/posts/${existing.id}` },
        body: toPublishedPost(existing),
      };
    }
    const account = state.accountForPersona(input.persona_id);
    const post = posts.add({
      accountId: account.id,
      text: input.text,
      source: "publish",
      containerId: null,
      replyToId: input.reply_to_id ?? null,
      personaId: input.persona_id ?? null,
      idempotencyKey,
      topic: null,
      requestHash: hash,
    });
    counters.published.inc({ api: "publish" });
    logger.info({ post_id: post.id, idempotency_key: idempotencyKey }, "published");
    return { status: 201, headers: { location: `/posts/${post.id}` }, body: toPublishedPost(post) };
  }

  app.get("/published", async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    // The original contract: every post, oldest first, as a bare array.
    if (Object.keys(query).length === 0) return [...posts.all()].map((post) => originalView(post, state));
    // @deprecated: any query asks for the paged `{items, next_cursor}` form.
    requireBearer(request, reply);
    const parsed = validate(ListPublishedQuery, query, "query");
    return posts.page({ personaId: parsed.persona_id, limit: parsed.limit, cursor: parsed.cursor });
  });

  const findPost = (params: unknown): Post => {
    const { id } = validate(PostParams, params, "params");
    const post = posts.get(id);
    if (!post) throw new NotFound("post", id);
    return post;
  };

  /** @deprecated */
  app.get("/posts/:id", async (request, reply): Promise<PublishedPost> => {
    requireBearer(request, reply);
    return toPublishedPost(findPost(request.params));
  });

  /** @deprecated: the Graph API's /{media-id}/insights replaces it. */
  app.get("/posts/:id/insights", async (request, reply): Promise<Insights> => {
    requireBearer(request, reply);
    const post = findPost(request.params);
    const m = state.metricsOf(post);
    return {
      id: post.id,
      views: m.views,
      likes: m.likes,
      replies: m.replies,
      reposts: m.reposts,
      quotes: m.quotes,
      engagement_rate: engagementRate(m),
    };
  });

  app.get("/posts/:id/comments", async (request) => state.comments.list(validate(CommentParams, request.params, "params").id));

  app.post("/posts/:id/comments", async (request, reply) => {
    const { id } = validate(CommentParams, request.params, "params");
    const fields = validate(CommentCreate, request.body, "body");
    return reply.code(201).send(state.comments.add(id, fields));
  });
}
