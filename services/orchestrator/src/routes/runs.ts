import {
  type CreateRun,
  createRunSchema,
  type FieldError,
  ListQuery,
  newId,
  Run,
  RunListQuery,
  SelectWinner,
  VariationLogLine,
  VariationLogQuery,
} from "@threads-agent/contracts";
import { findRun, listRuns, toRun, toVariationLogLine } from "@threads-agent/db";
import { Conflict, NotFound, ValidationFailed } from "@threads-agent/http";
import { modelIdProblem, parseModelId } from "@threads-agent/llm/model-id";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { committed } from "../idempotency.ts";
import { cancelRun } from "../runs/cancel-run.ts";
import { runSnapshotEvent } from "../runs/run-snapshot.ts";
import { selectWinner } from "../runs/select-winner.ts";
import { submitRun } from "../runs/submit-run.ts";
import { eventStreamRoute } from "./event-stream.ts";
import { idempotently, type RouteDeps, traceHeadersOf } from "./route-deps.ts";
import { COMMON_PROBLEMS, IdempotencyHeaders, IdParams, NoBody, NoQuery, pageOf, pageSchema, problems } from "./schemas.ts";

const RunListParams = z.strictObject({
  ...ListQuery.shape,
  ...RunListQuery.shape,
  cursor: z.uuid({ message: "expected the next_cursor of a previous page" }).optional(),
});
const VariationParams = z.strictObject({
  id: IdParams.shape.id,
  index: z.coerce.number({ message: "expected a whole number" }).int("expected a whole number").min(0, "at least 0"),
});

/**
 * A run's models checked with the LLM layer's own parser, as persona models are (the agent parses
 * them the same way, so a run accepted here never fails later on its model) and made canonical:
 * `gpt-4o` becomes `openai/gpt-4o`. `a/../../etc/passwd` names no known provider: a 400 naming the field.
 */
function canonicalRunModels(body: CreateRun): CreateRun {
  const problems: FieldError[] = [];
  const canonical = (field: string, model: string | undefined): string | undefined => {
    if (model === undefined) return undefined;
    const problem = modelIdProblem(model);
    if (problem) {
      problems.push({ field, message: problem });
      return model;
    }
    return parseModelId(model).id;
  };
  const out: CreateRun = { ...body };
  if (body.model !== undefined) out.model = canonical("model", body.model);
  if (Array.isArray(body.variations)) {
    out.variations = body.variations.map((v, i) =>
      v.model === undefined ? v : { ...v, model: canonical(`variations.${i}.model`, v.model) },
    );
  }
  if (problems.length) throw new ValidationFailed(problems);
  return out;
}

const diffResponse = {
  description: "The variation's change as a unified diff that `git apply` accepts (on the commit the run cloned)",
  content: { "text/x-diff": { schema: z.string() } },
};

/** Agent runs: create, list, read, follow (SSE), read a variation's full log and patch, cancel, pick (and push) a winner. Mounted under /v1. */
export const runRoutes = (deps: RouteDeps): FastifyPluginAsyncZod =>
  async function runRoutes(app) {
    const { idempotency } = deps;
    const core = deps.deps;
    const { config, db } = core;
    const CreateRunBody = createRunSchema(config.RUN_MAX_VARIATIONS);

    const loadRun = async (id: string) => {
      const row = await findRun(db, id);
      if (!row) throw new NotFound("Run", id);
      return row;
    };

    app.post(
      "/runs",
      {
        schema: {
          summary: "Start an agent run: a prompt against a git repository as N variations",
          tags: ["runs"],
          headers: IdempotencyHeaders,
          querystring: NoQuery,
          body: CreateRunBody,
          response: { 202: Run, ...problems(...COMMON_PROBLEMS, 409, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        const body = canonicalRunModels(request.body);
        const id = newId();
        const run = await idempotently(
          { request, reply, idempotency },
          { scope: "runs.create", entityId: id, sameEntity: false, body },
          () => submitRun(core, { ...body, id, traceHeaders: traceHeadersOf(request.headers) }),
          async (firstId) => committed(await findRun(db, firstId)),
        );
        return reply.code(202).header("location", `/v1/runs/${run.id}`).send(toRun(run));
      },
    );

    app.get(
      "/runs",
      {
        schema: {
          summary: "List runs with their variations, newest first (variation diffs left out)",
          tags: ["runs"],
          querystring: RunListParams,
          response: { 200: pageSchema(Run), ...problems(...COMMON_PROBLEMS) },
        },
      },
      async (request) => {
        const rows = await listRuns(db, request.query);
        const page = pageOf(rows, request.query.limit);
        return { items: page.items.map((row) => toRun(row, { withDiff: false })), next_cursor: page.next_cursor };
      },
    );

    app.get(
      "/runs/:id",
      {
        schema: {
          summary: "Get a run: each variation's state, timings, exit code, reason, usage, summary and diff",
          tags: ["runs"],
          params: IdParams,
          querystring: NoQuery,
          response: { 200: Run, ...problems(...COMMON_PROBLEMS, 404) },
        },
      },
      async (request) => toRun(await loadRun(request.params.id)),
    );

    app.get(
      "/runs/:id/variations/:index/log",
      {
        schema: {
          summary: "A variation's full output, stored line by line (readable after its Job is gone)",
          tags: ["runs"],
          params: VariationParams,
          querystring: z.strictObject(VariationLogQuery.shape),
          response: { 200: pageSchema(VariationLogLine), ...problems(...COMMON_PROBLEMS, 404) },
        },
      },
      async (request) => {
        const { id, index } = request.params;
        const query = request.query;
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
      },
    );

    app.get(
      "/runs/:id/variations/:index/patch",
      {
        schema: {
          summary: "A variation's change as a patch: `curl … | git apply` in a clone of the repository",
          description:
            "404: no such run or variation. 409: the variation has no change to download (not finished, failed, or its change is empty).",
          tags: ["runs"],
          params: VariationParams,
          querystring: NoQuery,
          response: { 200: diffResponse, ...problems(...COMMON_PROBLEMS, 404, 409) },
        },
      },
      async (request, reply) => {
        const { id, index } = request.params;
        const variation = await db.variation.findUnique({
          where: { run_id_index: { run_id: id, index } },
          select: { status: true, diff: true, reason: true },
        });
        if (!variation) {
          await loadRun(id);
          throw new NotFound("Variation", `${id}/${index}`);
        }
        if (!variation.diff?.trim()) {
          throw new Conflict(
            variation.status === "succeeded"
              ? `Variation ${index} proposed no change`
              : `Variation ${index} is ${variation.status}${variation.reason ? ` (${variation.reason})` : ""} and has no patch`,
            "no-patch",
          );
        }
        // git apply needs the last line's newline; a diff stored without it would be "corrupt patch".
        const patch = variation.diff.endsWith("\n") ? variation.diff : `${variation.diff}\n`;
        return reply
          .type("text/x-diff; charset=utf-8")
          .header("content-disposition", `attachment; filename="run-${id}-variation-${index}.patch"`)
          .send(patch);
      },
    );

    await app.register(
      eventStreamRoute(deps, {
        path: "/runs/:id/events",
        summary: "Follow a run's events, all variations multiplexed (SSE)",
        tag: "runs",
        entity: "run",
        log: core.runEvents,
        load: loadRun,
        snapshot: async (id) => {
          const row = await findRun(db, id);
          return row ? runSnapshotEvent(toRun(row, { withDiff: false })) : null;
        },
      }),
    );

    app.post(
      "/runs/:id/cancel",
      {
        schema: {
          summary: "Cancel a run: deletes its Jobs / kills its processes; the run ends cancelled",
          description: "200: the run has ended cancelled. 202: the launcher holding it is still stopping its workloads; follow /events.",
          tags: ["runs"],
          headers: IdempotencyHeaders,
          params: IdParams,
          querystring: NoQuery,
          body: NoBody,
          response: { 200: Run, 202: Run, ...problems(...COMMON_PROBLEMS, 404, 409, 422) },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const value = await idempotently(
          { request, reply, idempotency },
          { scope: "runs.cancel", entityId: id, sameEntity: true, body: request.body ?? {} },
          () => cancelRun(core, id),
          async (runId) => {
            const row = await loadRun(runId);
            return { run: row, outcome: row.status === "cancelled" ? ("cancelled" as const) : ("cancelling" as const) };
          },
        );
        return reply.code(value.outcome === "cancelled" ? 200 : 202).send(toRun(value.run));
      },
    );

    app.post(
      "/runs/:id/winner",
      {
        schema: {
          summary: "Mark the chosen variation; with `push`, also commit its patch on a new branch and push it",
          description: [
            "Without `push`: 200 with the run, `winner` set.",
            "With `push: {branch}` (SHIP_ENABLED): the agent-launcher clones the repository, commits the patch on the new branch and pushes it",
            "with the launcher's push credential (never stored). 200: pushed, the run's `branch` and `ship` say where.",
            "202: still pushing after SHIP_WAIT_SECONDS; follow `ship` on GET /v1/runs/{id}.",
            "409 `branch-exists`: the branch exists on the remote and is never overwritten (the `errors` name `push.branch`);",
            "409 also when pushing is not enabled, the variation has no change, or another push of the run is in progress.",
            "422 `push-failed`: the push failed for another reason (credential, remote), in words.",
          ].join(" "),
          tags: ["runs"],
          headers: IdempotencyHeaders,
          params: IdParams,
          querystring: NoQuery,
          body: SelectWinner,
          response: { 200: Run, 202: Run, ...problems(...COMMON_PROBLEMS, 404, 409, 422) },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const outcome = await idempotently(
          { request, reply, idempotency },
          { scope: "runs.winner", entityId: id, sameEntity: true, body: request.body },
          () => selectWinner(core, id, request.body),
          async (runId) => {
            const run = await loadRun(runId);
            const pushing = run.ships?.[0] && !["pushed", "failed"].includes(run.ships[0].status);
            return { run, state: pushing ? ("pushing" as const) : ("recorded" as const) };
          },
        );
        return reply.code(outcome.state === "pushing" ? 202 : 200).send(toRun(outcome.run));
      },
    );
  };
