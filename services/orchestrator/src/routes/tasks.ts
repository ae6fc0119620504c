import { CreateTask, newId } from "@threads-agent/contracts";
import { findTask, listTasks, toTask } from "@threads-agent/db";
import { NotFound, parse } from "@threads-agent/http";
import type { FastifyInstance } from "fastify";
import { committed } from "../idempotency.ts";
import { cancelTask } from "../tasks/cancel-task.ts";
import { retryTask } from "../tasks/retry-task.ts";
import { submitTask } from "../tasks/submit-task.ts";
import { snapshotEvent } from "../tasks/task-snapshot.ts";
import { registerEventStreamRoute } from "./event-stream.ts";
import { idempotently, type RouteDeps, traceHeadersOf } from "./route-deps.ts";
import { IdParams, NoBody, NoQuery, pageOf, TaskListParams } from "./schemas.ts";

export function registerTaskRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { idempotency } = deps;
  const core = deps.deps;
  const { db } = core;

  const loadTask = async (id: string) => {
    const row = await findTask(db, id);
    if (!row) throw new NotFound("Task", id);
    return row;
  };

  app.post("/v1/tasks", async (request, reply) => {
    const body = parse(CreateTask, request.body, "body");
    const id = newId();
    const task = await idempotently(
      { request, reply, idempotency },
      { scope: "tasks.create", entityId: id, sameEntity: false, body },
      async () => {
        const row = await submitTask(core, { ...body, id, traceHeaders: traceHeadersOf(request.headers) });
        deps.metrics.tasksCreated.inc({ persona_id: row.persona_id });
        return row;
      },
      async (firstId) => committed(await findTask(db, firstId)),
    );
    return reply.code(202).header("location", `/v1/tasks/${task.id}`).send(toTask(task));
  });

  app.get("/v1/tasks", async (request) => {
    const query = parse(TaskListParams, request.query, "query");
    const rows = await listTasks(db, query);
    const page = pageOf(rows, query.limit);
    return { items: page.items.map(toTask), next_cursor: page.next_cursor };
  });

  app.get("/v1/tasks/:id", async (request) => {
    const { id } = parse(IdParams, request.params, "params");
    parse(NoQuery, request.query, "query");
    return toTask(await loadTask(id));
  });

  registerEventStreamRoute(app, deps, {
    path: "/v1/tasks/:id/events",
    entity: "task",
    log: core.taskEvents,
    load: loadTask,
    snapshot: async (id) => {
      const row = await findTask(db, id);
      return row ? snapshotEvent(toTask(row)) : null;
    },
  });

  app.post("/v1/tasks/:id/retry", async (request, reply) => {
    const { id } = parse(IdParams, request.params, "params");
    parse(NoQuery, request.query, "query");
    const body = parse(NoBody, request.body, "body");
    const task = await idempotently(
      { request, reply, idempotency },
      { scope: "tasks.retry", entityId: id, sameEntity: true, body: body ?? {} },
      () => retryTask(core, id),
      loadTask,
    );
    return reply.code(202).send(toTask(task));
  });

  app.post("/v1/tasks/:id/cancel", async (request, reply) => {
    const { id } = parse(IdParams, request.params, "params");
    parse(NoQuery, request.query, "query");
    const body = parse(NoBody, request.body, "body");
    const value = await idempotently(
      { request, reply, idempotency },
      { scope: "tasks.cancel", entityId: id, sameEntity: true, body: body ?? {} },
      () => cancelTask(core, id),
      async (taskId) => {
        const row = await loadTask(taskId);
        return { task: row, outcome: row.status === "cancelled" ? ("cancelled" as const) : ("cancelling" as const) };
      },
    );
    // 202: a worker holds the task; it stops it and emits task.cancelled (follow /events).
    return reply.code(value.outcome === "cancelled" ? 200 : 202).send(toTask(value.task));
  });
}
