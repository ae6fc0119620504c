// The ORIGINAL threads-agent contract, which old clients and the original e2e tests use:
// POST /publish {topic, content}, GET /published as a bare array, GET /ping,
// /posts/{id}/comments. No headers, no token. (The Idempotency-Key publish that the worker used
// before it moved to the Graph API is gone: the worker publishes exactly once without one.)
import { storableText } from "@threads-agent/contracts";
import { validate } from "@threads-agent/http";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { injectedProblem } from "./faults.ts";
import type { Post } from "./post-store.ts";
import type { ThreadsState } from "./state.ts";

/** The original body. As in the original (pydantic `str` fields) any string goes, bounded here so memory is. */
const OriginalPublish = z.object({
  topic: storableText(z.string({ message: "expected a string" })).max(200, "at most 200 characters"),
  content: storableText(z.string({ message: "expected a string" })).max(10_000, "at most 10000 characters"),
});

const CommentCreate = z.object({
  text: storableText(z.string({ message: "expected a string" })).max(10_000, "at most 10000 characters"),
  author: storableText(z.string({ message: "expected a string" })).max(200, "at most 200 characters"),
});
const CommentParams = z.object({ id: storableText(z.string()).min(1).max(200) });

/** What the original `GET /published` lists for a post: its topic and content (plus id and time). */
const originalView = (post: Post, state: ThreadsState) => ({
  topic: post.topic ?? state.accountOf(post).username,
  content: post.text,
  id: post.id,
  published_at: new Date(post.publishedAt).toISOString(),
});

export function registerOriginalRoutes(app: FastifyInstance, state: ThreadsState): void {
  const { posts, faults, counters, logger } = state;

  app.get("/ping", async () => ({ pong: true }));

  app.post("/publish", async (request, reply) => {
    const fault = faults.take("legacy_publish");
    if (fault) counters.injected.inc({ endpoint: "legacy_publish" });
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.action === "fail") {
      const status = fault.status ?? 503;
      if (status === 429 || status === 503) reply.header("retry-after", "1");
      throw injectedProblem(status);
    }
    const { topic, content } = validate(OriginalPublish, request.body, "body");
    const account = state.accountForTopic(topic);
    const post = posts.add({ accountId: account.id, text: content, source: "original", containerId: null, replyToId: null, topic });
    counters.published.inc({ api: "original" });
    logger.info({ post_id: post.id, account_id: account.id }, "published (original API)");
    if (fault?.action === "drop") {
      logger.warn({ endpoint: "legacy_publish" }, "fault injection: published, dropping the response");
      reply.hijack();
      request.raw.socket.destroy();
      return reply;
    }
    return { status: "published", topic, content, id: post.id, published_at: new Date(post.publishedAt).toISOString() };
  });

  // Every post of every API, oldest first, as a bare array; Graph posts have their account's username as topic.
  // Query parameters are ignored, as the original ignored them.
  app.get("/published", async () => [...posts.all()].map((post) => originalView(post, state)));

  app.get("/posts/:id/comments", async (request) => state.comments.list(validate(CommentParams, request.params, "params").id));

  app.post("/posts/:id/comments", async (request, reply) => {
    const { id } = validate(CommentParams, request.params, "params");
    const fields = validate(CommentCreate, request.body, "body");
    return reply.code(201).send(state.comments.add(id, fields));
  });
}
