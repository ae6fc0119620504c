import { ApproveTask, CreateTask, newId, RejectTask, Task } from "@threads-agent/contracts";
import { findTask, latestEngagement, listTasks, toTask } from "@threads-agent/db";
import { NotFound } from "@threads-agent/http";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { committed } from "../idempotency.ts";
import { cancelTask } from "../tasks/cancel-task.ts";
import { retryTask } from "../tasks/retry-task.ts";
import { approveTask, rejectTask } from "../tasks/review-task.ts";
import { submitTask } from "../tasks/submit-task.ts";
import { snapshotEvent } from "../tasks/task-snapshot.ts";
import { eventStreamRoute } from "./event-stream.ts";
import { idempotently, type RouteDeps, traceHeadersOf } from "./route-deps.ts";
import { COMMON_PROBLEMS, IdempotencyHeaders, IdParams, NoBody, NoQuery, pageOf, pageSchema, problems, TaskListParams } from "./schemas.ts";

/** Content tasks: create, list, read, follow (SSE), retry, cancel. Mounted under /v1. */
export const taskRoutes = (deps: RouteDeps): FastifyPluginAsyncZod =>
  async function taskRoutes(app) {
    const { idempotency } = deps;
    const core = deps.deps;
    const { db } = core;
    const loadTask = async (id: string) => {
      const row = await findTask(db, id);
      if (!row) throw new NotFound("Task", id);
      return row;
    };

    app.post(
      "/tasks",
      {
        schema: {
          summary: "Create a content task",
          description:
            "Without `input` the persona's freshest unused trend is taken (422 naming input when it has none). `publish_at`: the task waits in `scheduled` until then. `review: true`: it stops at `awaiting_review` with its draft until approved or rejected.",
          tags: ["tasks"],
          headers: IdempotencyHeaders,
          querystring: NoQuery,
          body: CreateTask,
          response: { 202: Task, ...problems(...COMMON_PROBLEMS, 409, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        const body = request.body;
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
      },
    );

    app.get(
      "/tasks",
      {
        schema: {
          summary: "List tasks, newest first",
          tags: ["tasks"],
          querystring: TaskListParams,
          response: { 200: pageSchema(Task), ...problems(...COMMON_PROBLEMS) },
        },
      },
      async (request) => {
        const rows = await listTasks(db, request.query);
        const page = pageOf(rows, request.query.limit);
        return { items: page.items.map((row) => toTask(row)), next_cursor: page.next_cursor };
      },
    );

    app.get(
      "/tasks/:id",
      {
        schema: {
          summary: "Get a task with its post and usage",
          tags: ["tasks"],
          params: IdParams,
          querystring: NoQuery,
          response: { 200: Task, ...problems(...COMMON_PROBLEMS, 404) },
        },
      },
      async (request) => {
        const task = await loadTask(request.params.id);
        const engagement = task.post ? (await latestEngagement(db, [task.post.id])).get(task.post.id) : undefined;
        return toTask(task, engagement ?? null);
      },
    );

    await app.register(
      eventStreamRoute(deps, {
        path: "/tasks/:id/events",
        summary: "Follow a task's events (SSE)",
        tag: "tasks",
        entity: "task",
        log: core.taskEvents,
        load: loadTask,
        snapshot: async (id) => {
          const row = await findTask(db, id);
          return row ? snapshotEvent(toTask(row)) : null;
        },
      }),
    );

    app.post(
      "/tasks/:id/retry",
      {
        schema: {
          summary: "Re-run a failed or cancelled task",
          tags: ["tasks"],
          headers: IdempotencyHeaders,
          params: IdParams,
          querystring: NoQuery,
          body: NoBody,
          response: { 202: Task, ...problems(...COMMON_PROBLEMS, 404, 409, 422) },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const task = await idempotently(
          { request, reply, idempotency },
          { scope: "tasks.retry", entityId: id, sameEntity: true, body: request.body ?? {} },
          () => retryTask(core, id),
          loadTask,
        );
        return reply.code(202).send(toTask(task));
      },
    );

    app.post(
      "/tasks/:id/cancel",
      {
        schema: {
          summary: "Cancel a queued or running task",
          description: "200: cancelled here. 202: a worker holds the task; it stops it and emits task.cancelled (follow /events).",
          tags: ["tasks"],
          headers: IdempotencyHeaders,
          params: IdParams,
          querystring: NoQuery,
          body: NoBody,
          response: { 200: Task, 202: Task, ...problems(...COMMON_PROBLEMS, 404, 409, 422) },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const value = await idempotently(
          { request, reply, idempotency },
          { scope: "tasks.cancel", entityId: id, sameEntity: true, body: request.body ?? {} },
          () => cancelTask(core, id),
          async (taskId) => {
            const row = await loadTask(taskId);
            return { task: row, outcome: row.status === "cancelled" ? ("cancelled" as const) : ("cancelling" as const) };
          },
        );
        return reply.code(value.outcome === "cancelled" ? 200 : 202).send(toTask(value.task));
      },
    );

    app.post(
      "/tasks/:id/approve",
      {
        schema: {
          summary: "Approve a draft awaiting review (optionally with an edited text): it is published now, or at publish_at",
          description:
            "An edited `text` must fit Threads' 500-character rule and pass the guardrail (422 naming text). 409 unless the task is awaiting_review.",
          tags: ["tasks"],
          headers: IdempotencyHeaders,
          params: IdParams,
          querystring: NoQuery,
          body: ApproveTask,
          response: { 202: Task, ...problems(...COMMON_PROBLEMS, 404, 409, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const task = await idempotently(
          { request, reply, idempotency },
          { scope: "tasks.approve", entityId: id, sameEntity: true, body: request.body ?? {} },
          () => approveTask(core, id, request.body ?? {}),
          loadTask,
        );
        return reply.code(202).send(toTask(task));
      },
    );

    app.post(
      "/tasks/:id/reject",
      {
        schema: {
          summary: "Reject a draft awaiting review: the task ends rejected, nothing is published",
          tags: ["tasks"],
          headers: IdempotencyHeaders,
          params: IdParams,
          querystring: NoQuery,
          body: RejectTask,
          response: { 200: Task, ...problems(...COMMON_PROBLEMS, 404, 409, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const task = await idempotently(
          { request, reply, idempotency },
          { scope: "tasks.reject", entityId: id, sameEntity: true, body: request.body },
          () => rejectTask(core, id, request.body.reason),
          loadTask,
        );
        return reply.code(200).send(toTask(task));
      },
    );
  };
