import { toPersona } from "@threads-agent/db";
import { NotFound, parse } from "@threads-agent/http";
import type { FastifyInstance } from "fastify";
import type { RouteDeps } from "./route-deps.ts";
import { NoQuery, PersonaListParams, PersonaParams, pageOf } from "./schemas.ts";

export function registerPersonaRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { db } = deps.tasks;

  app.get("/v1/personas", async (request) => {
    const query = parse(PersonaListParams, request.query, "query");
    const rows = await db.persona.findMany({
      where: query.cursor ? { id: { gt: query.cursor } } : {},
      orderBy: { id: "asc" },
      take: query.limit + 1,
    });
    const page = pageOf(rows, query.limit);
    return { items: page.items.map(toPersona), next_cursor: page.next_cursor };
  });

  app.get("/v1/personas/:id", async (request) => {
    const { id } = parse(PersonaParams, request.params, "params");
    parse(NoQuery, request.query, "query");
    const row = await db.persona.findUnique({ where: { id } });
    if (!row) throw new NotFound("Persona", id);
    return toPersona(row);
  });
}
