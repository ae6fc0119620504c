import { LegacyCreateTask, newId } from "@threads-agent/contracts";
import { parse } from "@threads-agent/http";
import type { FastifyInstance } from "fastify";
import { idempotencyKeyOf, stillInProgress } from "../idempotency.ts";
import { fromLegacy } from "../tasks/legacy-task.ts";
import { submitTask } from "../tasks/submit-task.ts";
import { markReplay, type RouteDeps, traceHeadersOf } from "./route-deps.ts";

/** `POST /task` of the original threads-agent, so its clients keep working: same body, same answer. */
export function registerLegacyTaskRoute(app: FastifyInstance, deps: RouteDeps): void {
  app.post("/task", async (request, reply) => {
    const body = fromLegacy(parse(LegacyCreateTask, request.body, "body"));
    const id = newId();
    const { value: taskId, replayed } = await deps.idempotency.run(
      { scope: "task.legacy", key: idempotencyKeyOf(request.headers), entityId: id, sameEntity: false, body },
      async () => {
        const row = await submitTask(deps.tasks, { ...body, id, traceHeaders: traceHeadersOf(request.headers) });
        deps.metrics.tasksCreated.inc({ persona_id: row.persona_id });
        return row.id;
      },
      async (firstId) => {
        const row = await deps.tasks.db.task.findUnique({ where: { id: firstId }, select: { id: true } });
        if (!row) throw stillInProgress();
        return row.id;
      },
    );
    markReplay(reply, replayed);
    return reply.code(200).send({ status: "queued", task_id: taskId });
  });
}
