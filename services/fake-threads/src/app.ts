import { type FieldError, type PublishedPost, PublishRequest } from "@threads-agent/contracts";
import { AppError, NotFound, parse, registerCommon, serverOptions, ValidationFailed } from "@threads-agent/http";
import type { Logger, Metrics } from "@threads-agent/observability";
import Fastify, { type FastifyInstance } from "fastify";
import { z } from "zod";
import { requireBearerToken } from "./auth.ts";
import type { Config } from "./config.ts";
import { insightsFor } from "./engagement.ts";
import { FaultInjector, FaultPlan } from "./faults.ts";
import { isPostId, PostStore } from "./post-store.ts";

export type AppDeps = {
  config: Pick<Config, "THREADS_ACCESS_TOKEN" | "FAULT_INJECTION" | "MAX_POSTS">;
  logger: Logger;
  metrics: Metrics;
  /** Clock for publish times and insights; tests move it forward. */
  now?: () => number;
  /** False while shutting down, so /ready fails and traffic drains away. */
  accepting?: () => boolean;
};

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

// Up to 1000 per page: test suites read everything a run published in one call.
const ListPublishedQuery = z.strictObject({
  persona_id: z.string().min(1).max(64).optional(),
  limit: z.coerce
    .number({ message: "expected a number" })
    .int("expected a whole number")
    .min(1, "at least 1")
    .max(1000, "at most 1000")
    .default(50),
  cursor: z.string().refine(isPostId, "expected a post id from next_cursor").optional(),
});

const PostParams = z.object({ id: z.string().refine(isPostId, "expected a numeric post id") });

class InjectedFault extends AppError {
  constructor(status: number, remaining: number) {
    super(status, "injected-fault", "Injected fault", `Failing on purpose (POST /_faults); ${remaining} more publish call(s) will fail`);
  }
}

export function buildApp(deps: AppDeps): FastifyInstance {
  const now = deps.now ?? Date.now;
  const app = Fastify(serverOptions());
  registerCommon(app, { logger: deps.logger, metrics: deps.metrics, checks: [], ...(deps.accepting ? { accepting: deps.accepting } : {}) });
  app.removeContentTypeParser("text/plain");
  if (deps.config.THREADS_ACCESS_TOKEN) requireBearerToken(app, deps.config.THREADS_ACCESS_TOKEN);

  const store = new PostStore({ maxPosts: deps.config.MAX_POSTS, now });
  const faults = new FaultInjector();
  const published = deps.metrics.counter("threads_published_total", "Posts published (idempotent replays not counted)");
  const replays = deps.metrics.counter(
    "threads_publish_replays_total",
    "Publish calls answered with an earlier post of the same Idempotency-Key",
  );
  const injected = deps.metrics.counter("threads_injected_faults_total", "Publish calls failed on purpose through /_faults");

  app.get("/ping", async () => ({ status: "ok" }));

  app.post("/publish", async (request, reply) => {
    const fault = faults.take();
    if (fault) {
      injected.inc();
      if (fault.status === 429 || fault.status === 503) reply.header("retry-after", "1");
      throw new InjectedFault(fault.status, fault.remaining);
    }
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
    let body: PublishRequest | undefined;
    try {
      body = parse(PublishRequest, request.body, "body");
    } catch (err) {
      if (!(err instanceof ValidationFailed)) throw err;
      problems.push(...(err.errors ?? []));
    }
    if (problems.length || !body || typeof key !== "string") throw new ValidationFailed(problems);
    if (body.reply_to_id && !store.get(body.reply_to_id)) {
      throw new ValidationFailed([{ field: "reply_to_id", message: `post ${JSON.stringify(body.reply_to_id)} does not exist` }]);
    }

    const { post, created, sameRequest } = store.publish(key, body);
    if (created) {
      published.inc();
      deps.logger.info({ post_id: post.id, persona_id: post.persona_id, idempotency_key: key }, "published");
      return reply.code(201).header("location", `/posts/${post.id}`).send(post);
    }
    replays.inc();
    // The first post stands even if the retry's text differs (a regenerated post): Threads must
    // not show two posts for one task. The mismatch is worth a warning, not a failure.
    if (!sameRequest)
      deps.logger.warn(
        { post_id: post.id, idempotency_key: key },
        "Idempotency-Key reused with a different body; returning the first post",
      );
    return reply.code(200).header("idempotent-replayed", "true").header("location", `/posts/${post.id}`).send(post);
  });

  app.get("/published", async (request) => {
    const query = parse(ListPublishedQuery, request.query, "query");
    return store.list({ personaId: query.persona_id, limit: query.limit, cursor: query.cursor });
  });

  const findPost = (params: unknown): PublishedPost => {
    const { id } = parse(PostParams, params, "params");
    const post = store.get(id);
    if (!post) throw new NotFound("post", id);
    return post;
  };
  app.get("/posts/:id", async (request) => findPost(request.params));
  app.get("/posts/:id/insights", async (request) => insightsFor(findPost(request.params), now()));

  if (deps.config.FAULT_INJECTION) {
    app.get("/_faults", async () => faults.plan);
    app.post("/_faults", async (request) => {
      faults.arm(parse(FaultPlan, request.body, "body"));
      deps.logger.warn(faults.plan, "fault injection armed");
      return faults.plan;
    });
    app.delete("/_faults", async (_request, reply) => {
      faults.clear();
      return reply.code(204).send();
    });
  }

  return app;
}
