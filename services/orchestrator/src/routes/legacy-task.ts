import { LegacyCreateTask, newId } from "@threads-agent/contracts";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { committed } from "../idempotency.ts";
import { fromLegacy } from "../tasks/legacy-task.ts";
import { submitTask } from "../tasks/submit-task.ts";
import { idempotently, type RouteDeps, traceHeadersOf } from "./route-deps.ts";
import { COMMON_PROBLEMS, IdempotencyHeaders, problems } from "./schemas.ts";

const LegacyQueued = z.object({ status: z.literal("queued"), task_id: z.string() }).meta({ id: "LegacyQueued" });

/**
 * `POST /task` of the original threads-agent, so its clients keep working: same body, same answer.
 * `{persona_id, task_type}` alone is enough: the persona then writes on its freshest unused trend,
 * or, with none, on a topic of its own.
 */
export const legacyTaskRoute = (deps: RouteDeps): FastifyPluginAsyncZod =>
  async function originalTaskRoute(app) {
    app.post(
      "/task",
      {
        schema: {
          summary: "Original threads-agent API: create a task",
          tags: ["compatibility"],
          headers: IdempotencyHeaders,
          body: LegacyCreateTask,
          response: { 200: LegacyQueued, ...problems(...COMMON_PROBLEMS, 409, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        const body = fromLegacy(request.body);
        const id = newId();
        const taskId = await idempotently(
          { request, reply, idempotency: deps.idempotency },
          { scope: "task.legacy", entityId: id, sameEntity: false, body },
          async () => {
            // No input: the persona's freshest unused trend, else one of its own topics (the original's behaviour).
            const row = await submitTask(deps.deps, { ...body, id, topicFallback: true, traceHeaders: traceHeadersOf(request.headers) });
            deps.metrics.tasksCreated.inc({ persona_id: row.persona_id });
            return row.id;
          },
          async (firstId) => committed(await deps.deps.db.task.findUnique({ where: { id: firstId }, select: { id: true } })).id,
        );
        return reply.code(200).send({ status: "queued" as const, task_id: taskId });
      },
    );
  };
