import {
  CreateTrendSource,
  ListQuery,
  newId,
  Trend,
  TrendListQuery,
  TrendPoll,
  TrendSource,
  TrendSourceListQuery,
} from "@threads-agent/contracts";
import { isForeignKeyViolation, isUniqueViolation, toTrend, toTrendSource } from "@threads-agent/db";
import { Conflict, NotFound, Unprocessable, ValidationFailed } from "@threads-agent/http";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { checkFeedUrl, resolvedProblem } from "../trends/feed-fetch.ts";
import { idempotently, type RouteDeps } from "./route-deps.ts";
import { COMMON_PROBLEMS, IdempotencyHeaders, IdParams, NoBody, NoQuery, pageOf, pageSchema, problems } from "./schemas.ts";

const idCursor = z.uuid({ message: "expected the next_cursor of a previous page" }).optional();
const SourceListParams = z.strictObject({ ...ListQuery.shape, ...TrendSourceListQuery.shape, cursor: idCursor });
const TrendListParams = z.strictObject({ ...ListQuery.shape, ...TrendListQuery.shape, cursor: idCursor });
const WITH_COUNT = { _count: { select: { trends: true } } } as const;

/** Trend sources (RSS 2.0 / Atom feeds per persona) and the trends read from them. Mounted under /v1. */
export const trendRoutes = (deps: RouteDeps): FastifyPluginAsyncZod =>
  async function trendRoutes(app) {
    const core = deps.deps;
    const { db, config } = core;

    app.post(
      "/trend-sources",
      {
        schema: {
          summary: "Add a feed (RSS 2.0 or Atom) a persona takes trends from; it is polled at once, then every TREND_POLL_SECONDS",
          description:
            "The URL must be http(s) on a public address (no loopback, private or link-local targets, also after DNS resolution and on redirects) unless ALLOW_PRIVATE_FEEDS is on. 201 even when the first poll fails: `last_error` says why, and later polls try again.",
          tags: ["trends"],
          headers: IdempotencyHeaders,
          querystring: NoQuery,
          body: CreateTrendSource,
          response: { 201: TrendPoll, ...problems(...COMMON_PROBLEMS, 409, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        const check = checkFeedUrl(request.body.url, { allowPrivate: config.ALLOW_PRIVATE_FEEDS });
        if (!check.ok) throw new ValidationFailed([{ field: "url", message: check.message }]);
        const resolved = await resolvedProblem(check.url, config.ALLOW_PRIVATE_FEEDS);
        if (resolved) throw new ValidationFailed([{ field: "url", message: resolved }]);
        const url = check.url.toString();
        const id = newId();
        const body = { persona_id: request.body.persona_id, url };
        const poll = await idempotently(
          { request, reply, idempotency: deps.idempotency },
          { scope: "trend-sources.create", entityId: id, sameEntity: false, body },
          async () => {
            let source: Awaited<ReturnType<typeof db.trendSource.create>>;
            try {
              source = await db.trendSource.create({ data: { id, ...body } });
            } catch (err) {
              if (isUniqueViolation(err))
                throw new Conflict(`Persona ${body.persona_id} already has the feed ${url}`, "trend-source-exists");
              if (isForeignKeyViolation(err)) {
                throw new Unprocessable(`There is no persona ${JSON.stringify(body.persona_id)}`, "unknown-persona", [
                  { field: "persona_id", message: `no persona ${JSON.stringify(body.persona_id)}` },
                ]);
              }
              throw err;
            }
            return core.trends.poll(source);
          },
          async (firstId) => {
            const source = await db.trendSource.findUnique({ where: { id: firstId }, include: WITH_COUNT });
            if (!source) throw new NotFound("Trend source", firstId);
            return { source: toTrendSource(source), fetched: 0, added: 0 };
          },
        );
        return reply.code(201).header("location", `/v1/trend-sources/${poll.source.id}`).send(poll);
      },
    );

    app.get(
      "/trend-sources",
      {
        schema: {
          summary: "List trend sources, newest first",
          tags: ["trends"],
          querystring: SourceListParams,
          response: { 200: pageSchema(TrendSource), ...problems(...COMMON_PROBLEMS) },
        },
      },
      async (request) => {
        const q = request.query;
        const rows = await db.trendSource.findMany({
          where: { ...(q.persona_id ? { persona_id: q.persona_id } : {}), ...(q.cursor ? { id: { lt: q.cursor } } : {}) },
          orderBy: { id: "desc" },
          take: q.limit + 1,
          include: WITH_COUNT,
        });
        const page = pageOf(rows, q.limit);
        return { items: page.items.map(toTrendSource), next_cursor: page.next_cursor };
      },
    );

    app.get(
      "/trend-sources/:id",
      {
        schema: {
          summary: "Get a trend source",
          tags: ["trends"],
          params: IdParams,
          querystring: NoQuery,
          response: { 200: TrendSource, ...problems(...COMMON_PROBLEMS, 404) },
        },
      },
      async (request) => {
        const row = await db.trendSource.findUnique({ where: { id: request.params.id }, include: WITH_COUNT });
        if (!row) throw new NotFound("Trend source", request.params.id);
        return toTrendSource(row);
      },
    );

    app.post(
      "/trend-sources/:id/poll",
      {
        schema: {
          summary: "Poll a trend source now (items already stored are not stored again)",
          tags: ["trends"],
          headers: IdempotencyHeaders,
          params: IdParams,
          querystring: NoQuery,
          body: NoBody,
          response: { 200: TrendPoll, ...problems(...COMMON_PROBLEMS, 404) },
        },
      },
      async (request) => {
        const row = await db.trendSource.findUnique({ where: { id: request.params.id } });
        if (!row) throw new NotFound("Trend source", request.params.id);
        return core.trends.poll(row);
      },
    );

    app.delete(
      "/trend-sources/:id",
      {
        schema: {
          summary: "Stop polling a feed; its unused trends go with it (trends tasks were written from stay)",
          tags: ["trends"],
          params: IdParams,
          querystring: NoQuery,
          response: { 204: z.null().meta({ description: "Deleted" }), ...problems(...COMMON_PROBLEMS, 404) },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        const deleted = await db.$transaction(async (tx) => {
          await tx.trend.deleteMany({ where: { source_id: id, used_at: null } });
          return tx.trendSource.deleteMany({ where: { id } });
        });
        if (deleted.count === 0) throw new NotFound("Trend source", id);
        return reply.code(204).send(null);
      },
    );

    app.get(
      "/trends",
      {
        schema: {
          summary: "List trends; `unused=true`: only those no task took yet. Freshest first (item date, then fetch time)",
          tags: ["trends"],
          querystring: TrendListParams,
          response: { 200: pageSchema(Trend), ...problems(...COMMON_PROBLEMS) },
        },
      },
      async (request) => {
        const q = request.query;
        // Freshness order is not the id order: the cursor is an offset into it, carried as the last id seen.
        const where = {
          ...(q.persona_id ? { persona_id: q.persona_id } : {}),
          ...(q.unused === true ? { used_at: null } : q.unused === false ? { used_at: { not: null } } : {}),
        };
        const orderBy = [{ published_at: { sort: "desc", nulls: "last" } }, { fetched_at: "desc" }, { id: "desc" }] as const;
        const rows = await db.trend.findMany({
          where,
          orderBy: orderBy as never,
          take: q.limit + 1,
          ...(q.cursor ? { cursor: { id: q.cursor }, skip: 1 } : {}),
          include: { task: { select: { id: true } } },
        });
        const page = pageOf(rows, q.limit);
        return { items: page.items.map(toTrend), next_cursor: page.next_cursor };
      },
    );
  };
