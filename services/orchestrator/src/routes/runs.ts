import { createRunSchema, ListQuery, newId, RunListQuery, SelectWinner, VariationLogQuery } from "@threads-agent/contracts";
import { findRun, listRuns, toRun, toVariationLogLine } from "@threads-agent/db";
import { NotFound, parse } from "@threads-agent/http";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { committed } from "../idempotency.ts";
import { cancelRun } from "../runs/cancel-run.ts";
import { runSnapshotEvent } from "../runs/run-snapshot.ts";
import { selectWinner } from "../runs/select-winner.ts";
import { submitRun } from "../runs/submit-run.ts";
import { registerEventStreamRoute } from "./event-stream.ts";
import { idempotently, type RouteDeps, traceHeadersOf } from "./route-deps.ts";
import { IdParams, NoBody, NoQuery, pageOf } from "./schemas.ts";

const RunListParams = z.strictObject({
  ...ListQuery.shape,
  ...RunListQuery.shape,
  cursor: z.uuid({ message: "expected the next_cursor of a previous page" }).optional(),
});
const VariationParams = z.strictObject({
  id: IdParams.shape.id,
  index: z.coerce.number({ message: "expected a whole number" }).int("expected a whole number").min(0, "at least 0"),
});

/** Agent runs: create, list, read, follow (SSE), read a variation's full log, cancel, pick a winner. */
export function registerRunRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { idempotency } = deps;
  const core = deps.deps;
  const { config, db } = core;
  const CreateRunBody = createRunSchema(config.RUN_MAX_VARIATIONS);

  const loadRun = async (id: string) => {
    const row = await findRun(db, id);
    if (!row) throw new NotFound("Run", id);
    return row;
  };

  app.post("/v1/runs", async (request, reply) => {
    const body = parse(CreateRunBody, request.body, "body");
    const id = newId();
    const run = await idempotently(
      { request, reply, idempotency },
      { scope: "runs.create", entityId: id, sameEntity: false, body },
      () => submitRun(core, { ...body, id, traceHeaders: traceHeadersOf(request.headers) }),
      async (firstId) => committed(await findRun(db, firstId)),
    );
    return reply.code(202).header("location", `/v1/runs/${run.id}`).send(toRun(run));
  });

  app.get("/v1/runs", async (request) => {
    const query = parse(RunListParams, request.query, "query");
    const rows = await listRuns(db, query);
    const page = pageOf(rows, query.limit);
    return { items: page.items.map((row) => toRun(row, { withDiff: false })), next_cursor: page.next_cursor };
  });

  app.get("/v1/runs/:id", async (request) => {
    const { id } = parse(IdParams, request.params, "params");
    parse(NoQuery, request.query, "query");
    return toRun(await loadRun(id));
  });

  app.get("/v1/runs/:id/variations/:index/log", async (request) => {
    const { id, index } = parse(VariationParams, request.params, "params");
    const query = parse(z.strictObject(VariationLogQuery.shape), request.query, "query");
    const variation = await db.variation.findUnique({ where: { run_id_index: { run_id: id, index } }, select: { id: true } });
    if (!variation) {
      await loadRun(id);
      throw new NotFound("Variation", `${id}/${index}`);
    }
    const after = query.cursor === undefined ? -1 : Number(query.cursor);
    const rows = await db.variationLine.findMany({
      where: { variation_id: variation.id, seq: { gt: after } },
      orderBy: { seq: "asc" },
      take: query.limit + 1,
    });
    const items = rows.slice(0, query.limit).map(toVariationLogLine);
    return { items, next_cursor: rows.length > query.limit ? String(items[items.length - 1]?.seq) : null };
  });

  registerEventStreamRoute(app, deps, {
    path: "/v1/runs/:id/events",
    entity: "run",
    log: core.runEvents,
    load: loadRun,
    snapshot: async (id) => {
      const row = await findRun(db, id);
      return row ? runSnapshotEvent(toRun(row, { withDiff: false })) : null;
    },
  });

  app.post("/v1/runs/:id/cancel", async (request, reply) => {
    const { id } = parse(IdParams, request.params, "params");
    parse(NoQuery, request.query, "query");
    const body = parse(NoBody, request.body, "body");
    const value = await idempotently(
      { request, reply, idempotency },
      { scope: "runs.cancel", entityId: id, sameEntity: true, body: body ?? {} },
      () => cancelRun(core, id),
      async (runId) => {
        const row = await loadRun(runId);
        return { run: row, outcome: row.status === "cancelled" ? ("cancelled" as const) : ("cancelling" as const) };
      },
    );
    // 202: the launcher holding the run is still stopping its workloads; follow /events for run.cancelled.
    return reply.code(value.outcome === "cancelled" ? 200 : 202).send(toRun(value.run));
  });

  app.post("/v1/runs/:id/winner", async (request, reply) => {
    const { id } = parse(IdParams, request.params, "params");
    parse(NoQuery, request.query, "query");
    const body = parse(SelectWinner, request.body, "body");
    const run = await idempotently(
      { request, reply, idempotency },
      { scope: "runs.winner", entityId: id, sameEntity: true, body },
      () => selectWinner(core, id, body.variation),
      loadRun,
    );
    return toRun(run);
  });
}
