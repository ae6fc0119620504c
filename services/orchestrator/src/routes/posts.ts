import { Post, PostInsights } from "@threads-agent/contracts";
import { insightSeries, latestEngagement, toPost } from "@threads-agent/db";
import { NotFound } from "@threads-agent/http";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import type { RouteDeps } from "./route-deps.ts";
import { COMMON_PROBLEMS, IdParams, NoQuery, PostListParams, pageOf, pageSchema, problems } from "./schemas.ts";

/** Published posts. Mounted under /v1. */
export const postRoutes = (deps: RouteDeps): FastifyPluginAsyncZod =>
  async function postRoutes(app) {
    const { db } = deps.deps;

    app.get(
      "/posts",
      {
        schema: {
          summary: "List posts, newest first (?persona_id= filters)",
          tags: ["posts"],
          querystring: PostListParams,
          response: { 200: pageSchema(Post), ...problems(...COMMON_PROBLEMS) },
        },
      },
      async (request) => {
        const query = request.query;
        const rows = await db.post.findMany({
          where: {
            ...(query.persona_id ? { persona_id: query.persona_id } : {}),
            ...(query.cursor ? { id: { lt: query.cursor } } : {}),
          },
          orderBy: { id: "desc" },
          take: query.limit + 1,
        });
        const page = pageOf(rows, query.limit);
        const engagement = await latestEngagement(
          db,
          page.items.map((row) => row.id),
        );
        return { items: page.items.map((row) => toPost(row, engagement.get(row.id) ?? null)), next_cursor: page.next_cursor };
      },
    );

    app.get(
      "/posts/:id",
      {
        schema: {
          summary: "Get a post, with its latest engagement read back from Threads",
          tags: ["posts"],
          params: IdParams,
          querystring: NoQuery,
          response: { 200: Post, ...problems(...COMMON_PROBLEMS, 404) },
        },
      },
      async (request) => {
        const row = await db.post.findUnique({ where: { id: request.params.id } });
        if (!row) throw new NotFound("Post", request.params.id);
        const engagement = await latestEngagement(db, [row.id]);
        return toPost(row, engagement.get(row.id) ?? null);
      },
    );

    app.get(
      "/posts/:id/insights",
      {
        schema: {
          summary: "A post's insights as a time series: one reading per INSIGHTS_SCHEDULE offset, oldest first",
          tags: ["posts"],
          params: IdParams,
          querystring: NoQuery,
          response: { 200: PostInsights, ...problems(...COMMON_PROBLEMS, 404) },
        },
      },
      async (request) => {
        const row = await db.post.findUnique({ where: { id: request.params.id }, select: { id: true, published_id: true } });
        if (!row) throw new NotFound("Post", request.params.id);
        return { post_id: row.id, published_id: row.published_id, items: await insightSeries(db, row.id) };
      },
    );
  };
