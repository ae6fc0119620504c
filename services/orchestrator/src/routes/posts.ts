import { Post } from "@threads-agent/contracts";
import { toPost } from "@threads-agent/db";
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
        return { items: page.items.map(toPost), next_cursor: page.next_cursor };
      },
    );

    app.get(
      "/posts/:id",
      {
        schema: {
          summary: "Get a post",
          tags: ["posts"],
          params: IdParams,
          querystring: NoQuery,
          response: { 200: Post, ...problems(...COMMON_PROBLEMS, 404) },
        },
      },
      async (request) => {
        const row = await db.post.findUnique({ where: { id: request.params.id } });
        if (!row) throw new NotFound("Post", request.params.id);
        return toPost(row);
      },
    );
  };
