import { CreatePersona, type FieldError, Persona, type PersonaSchedule, UpdatePersona } from "@threads-agent/contracts";
import { isUniqueViolation, PERSONA_WITH_ACCOUNT, Prisma, toPersona } from "@threads-agent/db";
import { Conflict, NotFound, ValidationFailed } from "@threads-agent/http";
import { modelIdProblem, parseModelId } from "@threads-agent/llm/model-id";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { committed } from "../idempotency.ts";
import { scheduleProblems } from "../schedules/persona-schedules.ts";
import { idempotently, type RouteDeps } from "./route-deps.ts";
import { COMMON_PROBLEMS, IdempotencyHeaders, NoQuery, PersonaListParams, PersonaParams, pageOf, pageSchema, problems } from "./schemas.ts";

type ModelFields = { hook_model?: string | null | undefined; body_model?: string | null | undefined };

/**
 * Model overrides checked with the LLM layer's own parser (the one persona-runtime uses, so a
 * persona accepted here is never refused there) and stored canonical: `gpt-4o` becomes
 * `openai/gpt-4o`. A model whose provider has no key is allowed: it is served offline until a key is set.
 */
function canonicalModels<T extends ModelFields>(body: T): T {
  const problems: FieldError[] = [];
  const out = { ...body };
  for (const field of ["hook_model", "body_model"] as const) {
    const model = body[field];
    if (typeof model !== "string") continue;
    const problem = modelIdProblem(model);
    if (problem) problems.push({ field, message: problem });
    else out[field] = parseModelId(model).id;
  }
  if (problems.length) throw new ValidationFailed(problems);
  return out;
}

type ScheduleField = { schedule?: PersonaSchedule | null | undefined };
type ScheduleColumns = { schedule_cron?: string | null; schedule_timezone?: string | null; schedule_review?: boolean };

/** The schedule checked with the cron parser (400 naming schedule.cron / schedule.timezone) and as its columns. */
function scheduleColumns<T extends ScheduleField>(body: T): Omit<T, "schedule"> & ScheduleColumns {
  const { schedule, ...rest } = body;
  if (schedule === undefined) return rest;
  if (schedule === null) return { ...rest, schedule_cron: null, schedule_timezone: null, schedule_review: false };
  const problems = scheduleProblems(schedule);
  if (problems.length) throw new ValidationFailed(problems);
  return { ...rest, schedule_cron: schedule.cron, schedule_timezone: schedule.timezone, schedule_review: schedule.review };
}

/** Personas: list, read, create, change. Mounted under /v1. */
export const personaRoutes = (deps: RouteDeps): FastifyPluginAsyncZod =>
  async function personaRoutes(app) {
    const { db } = deps.deps;
    // The job scheduler follows the row; if Redis is down now, the minute's resync catches up.
    const syncSchedule = (persona: { id: string; schedule_cron: string | null; schedule_timezone: string | null }) =>
      deps.deps.schedules.sync(persona).catch((err: unknown) => {
        deps.deps.logger.warn({ err: { message: (err as Error).message }, persona_id: persona.id }, "persona schedule not synced yet");
      });

    app.get(
      "/personas",
      {
        schema: {
          summary: "List personas",
          tags: ["personas"],
          querystring: PersonaListParams,
          response: { 200: pageSchema(Persona), ...problems(...COMMON_PROBLEMS) },
        },
      },
      async (request) => {
        const query = request.query;
        const rows = await db.persona.findMany({
          where: query.cursor ? { id: { gt: query.cursor } } : {},
          orderBy: { id: "asc" },
          take: query.limit + 1,
          include: PERSONA_WITH_ACCOUNT,
        });
        const page = pageOf(rows, query.limit);
        return { items: page.items.map(toPersona), next_cursor: page.next_cursor };
      },
    );

    app.get(
      "/personas/:id",
      {
        schema: {
          summary: "Get a persona",
          tags: ["personas"],
          params: PersonaParams,
          querystring: NoQuery,
          response: { 200: Persona, ...problems(...COMMON_PROBLEMS, 404) },
        },
      },
      async (request) => {
        const row = await db.persona.findUnique({ where: { id: request.params.id }, include: PERSONA_WITH_ACCOUNT });
        if (!row) throw new NotFound("Persona", request.params.id);
        return toPersona(row);
      },
    );

    // Personas are data: a user adds one here and tasks can use it at once, without a deploy.
    app.post(
      "/personas",
      {
        schema: {
          summary: "Create a persona: tasks can use it at once, no deploy",
          tags: ["personas"],
          headers: IdempotencyHeaders,
          querystring: NoQuery,
          body: CreatePersona,
          response: { 201: Persona, ...problems(...COMMON_PROBLEMS, 409, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        const body = scheduleColumns(canonicalModels(request.body));
        const persona = await idempotently(
          { request, reply, idempotency: deps.idempotency },
          { scope: "personas.create", entityId: body.id, sameEntity: false, body },
          async () => {
            try {
              const created = await db.persona.create({ data: body });
              await syncSchedule(created);
              return created;
            } catch (err) {
              if (isUniqueViolation(err)) {
                throw new Conflict(
                  `Persona ${JSON.stringify(body.id)} already exists; change it with PATCH /v1/personas/${body.id}`,
                  "persona-exists",
                );
              }
              throw err;
            }
          },
          async (firstId) => committed(await db.persona.findUnique({ where: { id: firstId } })),
        );
        return reply.code(201).header("location", `/v1/personas/${persona.id}`).send(toPersona(persona));
      },
    );

    app.patch(
      "/personas/:id",
      {
        schema: {
          summary:
            "Change a persona's name, voice, prompts, models or schedule (null returns a model to the service's default, and removes the schedule)",
          tags: ["personas"],
          headers: IdempotencyHeaders,
          params: PersonaParams,
          querystring: NoQuery,
          body: UpdatePersona,
          response: { 200: Persona, ...problems(...COMMON_PROBLEMS, 404, 409, 413, 415, 422) },
        },
        // Before the schema, which would only call it an unknown field: say why it cannot change.
        preValidation: async (request) => {
          if (request.body && typeof request.body === "object" && "id" in request.body) {
            throw new ValidationFailed([
              { field: "id", message: "cannot be changed: tasks and posts refer to the persona by it; create a new persona instead" },
            ]);
          }
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const changes = scheduleColumns(canonicalModels(request.body));
        const persona = await idempotently(
          { request, reply, idempotency: deps.idempotency },
          { scope: "personas.update", entityId: id, sameEntity: true, body: changes },
          async () => {
            try {
              const updated = await db.persona.update({ where: { id }, data: changes, include: PERSONA_WITH_ACCOUNT });
              if ("schedule_cron" in changes) await syncSchedule(updated);
              return updated;
            } catch (err) {
              // P2025: no row to update.
              if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2025") throw new NotFound("Persona", id);
              throw err;
            }
          },
          async () => {
            const row = await db.persona.findUnique({ where: { id }, include: PERSONA_WITH_ACCOUNT });
            if (!row) throw new NotFound("Persona", id);
            return row;
          },
        );
        // Tasks already running keep the persona they loaded; the next task a worker picks up uses this one.
        return reply.send(toPersona(persona));
      },
    );
  };
