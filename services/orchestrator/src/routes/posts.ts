import { toPost } from "@threads-agent/db";
import { NotFound, parse } from "@threads-agent/http";
import type { FastifyInstance } from "fastify";
import type { RouteDeps } from "./route-deps.ts";
import { IdParams, NoQuery, PostListParams, pageOf } from "./schemas.ts";

export function registerPostRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { db } = deps.deps;

  app.get("/v1/posts", async (request) => {
    const query = parse(PostListParams, request.query, "query");
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
  });

  app.get("/v1/posts/:id", async (request) => {
    const { id } = parse(IdParams, request.params, "params");
    parse(NoQuery, request.query, "query");
    const row = await db.post.findUnique({ where: { id } });
    if (!row) throw new NotFound("Post", id);
    return toPost(row);
  });
}
