import {
  CreateHookStyle,
  HookStyleList,
  HookStyleStats,
  newId,
  PersonaStats,
  SEEDED_HOOK_STYLE_IDS,
  StatsQuery,
} from "@threads-agent/contracts";
import { hookStyleStats, isUniqueViolation, personaStats } from "@threads-agent/db";
import { Conflict, NotFound } from "@threads-agent/http";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { committed } from "../idempotency.ts";
import { idempotently, type RouteDeps } from "./route-deps.ts";
import { COMMON_PROBLEMS, IdempotencyHeaders, NoQuery, PersonaParams, problems } from "./schemas.ts";

/** A persona's engagement: its hook styles with the bandit's figures, and its stats against the targets. Mounted under /v1. */
export const engagementRoutes = (deps: RouteDeps): FastifyPluginAsyncZod =>
  async function engagementRoutes(app) {
    const { db } = deps.deps;
    const personaExists = async (id: string) => {
      const row = await db.persona.findUnique({ where: { id }, select: { id: true } });
      if (!row) throw new NotFound("Persona", id);
    };

    app.get(
      "/personas/:id/hook-styles",
      {
        schema: {
          summary:
            "The persona's hook styles: pulls, mean engagement, Beta posterior and share of each (the hook step's Thompson sampling)",
          tags: ["personas"],
          params: PersonaParams,
          querystring: NoQuery,
          response: { 200: HookStyleList, ...problems(...COMMON_PROBLEMS, 404) },
        },
      },
      async (request) => {
        await personaExists(request.params.id);
        return { persona_id: request.params.id, items: await hookStyleStats(db, request.params.id) };
      },
    );

    app.post(
      "/personas/:id/hook-styles",
      {
        schema: {
          summary: "Add a hook style of the persona's own: its instruction goes into the hook prompt, the bandit tries it like the others",
          tags: ["personas"],
          headers: IdempotencyHeaders,
          params: PersonaParams,
          querystring: NoQuery,
          body: CreateHookStyle,
          response: { 201: HookStyleStats, ...problems(...COMMON_PROBLEMS, 404, 409, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        const personaId = request.params.id;
        const body = request.body;
        await personaExists(personaId);
        if ((SEEDED_HOOK_STYLE_IDS as readonly string[]).includes(body.id))
          throw new Conflict(`"${body.id}" is a seeded hook style every persona has already; pick another id`, "hook-style-exists");
        await idempotently(
          { request, reply, idempotency: deps.idempotency },
          { scope: "hook-styles.create", entityId: `${personaId}:${body.id}`, sameEntity: false, body },
          async () => {
            try {
              return await db.hookStyle.create({
                data: {
                  id: newId(),
                  persona_id: personaId,
                  key: body.id,
                  name: body.name,
                  description: body.description,
                  instruction: body.instruction,
                },
              });
            } catch (err) {
              if (isUniqueViolation(err)) throw new Conflict(`${personaId} already has a hook style "${body.id}"`, "hook-style-exists");
              throw err;
            }
          },
          async () => committed(await db.hookStyle.findFirst({ where: { persona_id: personaId, key: body.id } })),
        );
        const style = (await hookStyleStats(db, personaId)).find((s) => s.id === body.id);
        if (!style) throw new NotFound("Hook style", body.id);
        return reply.code(201).header("location", `/v1/personas/${personaId}/hook-styles`).send(style);
      },
    );

    app.get(
      "/personas/:id/stats",
      {
        schema: {
          summary:
            "The persona's posts, views, engagement rate, followers gained, LLM spend and cost per follower over ?window= (default 7d), next to the targets",
          tags: ["personas"],
          params: PersonaParams,
          querystring: StatsQuery,
          response: { 200: PersonaStats, ...problems(...COMMON_PROBLEMS, 404) },
        },
      },
      async (request) => {
        await personaExists(request.params.id);
        return personaStats(db, request.params.id, request.query.window);
      },
    );
  };
