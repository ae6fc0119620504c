import { CreateTask, newId } from "@threads-agent/contracts";
import { toTask } from "@threads-agent/db";
import { isStreamId, streamEvents } from "@threads-agent/events";
import { NotFound, parse, ValidationFailed } from "@threads-agent/http";
import type { FastifyInstance } from "fastify";
import { pendingHeaders } from "../http-headers.ts";
import { idempotencyKeyOf, stillInProgress } from "../idempotency.ts";
import { assertRedisReady } from "../redis.ts";
import { cancelTask } from "../tasks/cancel-task.ts";
import { retryTask } from "../tasks/retry-task.ts";
import { submitTask } from "../tasks/submit-task.ts";
import { snapshotEvent } from "../tasks/task-snapshot.ts";
import { markReplay, type RouteDeps, traceHeadersOf } from "./route-deps.ts";
import { EventsQuery, IdParams, NoBody, NoQuery, pageOf, TaskListParams } from "./schemas.ts";

export function registerTaskRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { tasks, idempotency } = deps;
  const { db } = tasks;

  const loadTask = async (id: string) => {
    const row = await db.task.findUnique({ where: { id }, include: { post: true } });
    if (!row) throw new NotFound("Task", id);
    return row;
  };

  app.post("/v1/tasks", async (request, reply) => {
    const body = parse(CreateTask, request.body, "body");
    const key = idempotencyKeyOf(request.headers);
    const id = newId();
    const { value: task, replayed } = await idempotency.run(
      { scope: "tasks.create", key, entityId: id, sameEntity: false, body },
      async () => {
        const row = await submitTask(tasks, { ...body, id, traceHeaders: traceHeadersOf(request.headers) });
        deps.metrics.tasksCreated.inc({ persona_id: row.persona_id });
        return row;
      },
      async (firstId) => {
        const row = await db.task.findUnique({ where: { id: firstId }, include: { post: true } });
        // The first request holds the key but has not committed its row yet.
        if (!row) throw stillInProgress();
        return row;
      },
    );
    markReplay(reply, replayed);
    return reply.code(202).header("location", `/v1/tasks/${task.id}`).send(toTask(task));
  });

  app.get("/v1/tasks", async (request) => {
    const query = parse(TaskListParams, request.query, "query");
    const rows = await db.task.findMany({
      where: {
        ...(query.status ? { status: query.status } : {}),
        ...(query.persona_id ? { persona_id: query.persona_id } : {}),
        // UUIDv7 ids sort by creation time, so the last id seen is the cursor.
        ...(query.cursor ? { id: { lt: query.cursor } } : {}),
      },
      orderBy: { id: "desc" },
      take: query.limit + 1,
      include: { post: true },
    });
    const page = pageOf(rows, query.limit);
    return { items: page.items.map(toTask), next_cursor: page.next_cursor };
  });

  app.get("/v1/tasks/:id", async (request) => {
    const { id } = parse(IdParams, request.params, "params");
    parse(NoQuery, request.query, "query");
    return toTask(await loadTask(id));
  });

  app.get("/v1/tasks/:id/events", { config: { acceptsQueryToken: true } }, async (request, reply) => {
    const { id } = parse(IdParams, request.params, "params");
    const query = parse(EventsQuery, request.query, "query");
    // EventSource sends the header on reconnects, so it is newer than a ?last_event_id in the URL.
    const header = request.headers["last-event-id"];
    const lastEventId = (typeof header === "string" && header) || query.last_event_id || undefined;
    if (lastEventId !== undefined && !isStreamId(lastEventId)) {
      throw new ValidationFailed([
        {
          field: header ? "Last-Event-ID" : "last_event_id",
          message: "expected the id of an event from this stream, like 1732186800000-0",
        },
      ]);
    }
    await loadTask(id);
    // Refuse now with a 503 rather than break the stream right after its headers.
    assertRedisReady(tasks.redis);

    const headers = pendingHeaders(reply);
    reply.hijack();
    deps.sse.track(reply.raw);
    try {
      await streamEvents({
        log: tasks.events,
        entity: "task",
        id,
        response: reply.raw,
        lastEventId,
        heartbeatMs: deps.config.SSE_HEARTBEAT_MS,
        headers,
        snapshot: async () => {
          const row = await db.task.findUnique({ where: { id }, include: { post: true } });
          return row ? snapshotEvent(toTask(row)) : null;
        },
        onOpen: () => deps.metrics.sseConnections.inc(),
        onClose: () => deps.metrics.sseConnections.dec(),
      });
    } catch (err) {
      // Headers are gone already; cutting the connection makes EventSource reconnect and resume.
      tasks.logger.warn({ err, task_id: id }, "task event stream broke off");
      reply.raw.destroy();
    }
  });

  app.post("/v1/tasks/:id/retry", async (request, reply) => {
    const { id } = parse(IdParams, request.params, "params");
    parse(NoQuery, request.query, "query");
    const body = parse(NoBody, request.body, "body");
    const { value: task, replayed } = await idempotency.run(
      { scope: "tasks.retry", key: idempotencyKeyOf(request.headers), entityId: id, sameEntity: true, body: body ?? {} },
      () => retryTask(tasks, id),
      loadTask,
    );
    markReplay(reply, replayed);
    return reply.code(202).send(toTask(task));
  });

  app.post("/v1/tasks/:id/cancel", async (request, reply) => {
    const { id } = parse(IdParams, request.params, "params");
    parse(NoQuery, request.query, "query");
    const body = parse(NoBody, request.body, "body");
    const { value, replayed } = await idempotency.run(
      { scope: "tasks.cancel", key: idempotencyKeyOf(request.headers), entityId: id, sameEntity: true, body: body ?? {} },
      () => cancelTask(tasks, id),
      async (taskId) => {
        const row = await loadTask(taskId);
        return { task: row, outcome: row.status === "cancelled" ? ("cancelled" as const) : ("cancelling" as const) };
      },
    );
    markReplay(reply, replayed);
    // 202: a worker holds the task; it stops it and emits task.cancelled (follow /events).
    return reply.code(value.outcome === "cancelled" ? 200 : 202).send(toTask(value.task));
  });
}
