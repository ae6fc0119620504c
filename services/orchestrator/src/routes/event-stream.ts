import { EVENT_ENTITIES, type EventEntity, type EventEnvelope } from "@threads-agent/contracts";
import { type EventLog, isStreamId, streamEvents } from "@threads-agent/events";
import { ValidationFailed } from "@threads-agent/http";
import type { FastifyReply } from "fastify";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { assertRedisReady } from "../redis.ts";
import type { RouteDeps } from "./route-deps.ts";
import { COMMON_PROBLEMS, EventsQuery, IdParams, problems, sseResponse } from "./schemas.ts";

export type EventStreamRoute = {
  /** Under the plugin's prefix, e.g. `/tasks/:id/events`. */
  path: string;
  summary: string;
  tag: string;
  entity: EventEntity;
  log: EventLog;
  /**
   * Throws NotFound when there is no such entity, so a wrong id is a 404 rather than an empty stream.
   * Called only when Redis has no published stream for the id (a live entity needs no database read).
   */
  load: (id: string) => Promise<unknown>;
  /** The final event, from the database, once the stream has expired (null: end at once). */
  snapshot: (id: string) => Promise<EventEnvelope | null>;
};

/**
 * `GET <path>`: an entity's events as Server-Sent Events, resuming after Last-Event-ID. The API key
 * may come as ?access_token=, since EventSource cannot send headers. Not rate limited: a stream is
 * one long request, and reconnects resume it.
 */
export const eventStreamRoute = (deps: RouteDeps, route: EventStreamRoute): FastifyPluginAsyncZod =>
  async function eventStream(app) {
    const { metrics, sse } = deps;
    const { config, redis, logger, relay, streamHub } = deps.deps;
    app.get(
      route.path,
      {
        config: { acceptsQueryToken: true, rateLimit: false },
        schema: {
          summary: route.summary,
          tags: [route.tag],
          params: IdParams,
          querystring: EventsQuery,
          response: { 200: sseResponse, ...problems(...COMMON_PROBLEMS, 404) },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        // EventSource sends the header on reconnects, so it is newer than a ?last_event_id in the URL.
        const header = request.headers["last-event-id"];
        const lastEventId = (typeof header === "string" && header) || request.query.last_event_id || undefined;
        if (lastEventId !== undefined && !isStreamId(lastEventId)) {
          throw new ValidationFailed([
            {
              field: header ? "Last-Event-ID" : "last_event_id",
              message: "expected the id of an event from this stream, like 1732186800000-0",
            },
          ]);
        }
        // Refuse now with a 503 rather than break the stream right after its headers.
        assertRedisReady(redis);
        // A stream the relay published (its high-water mark is there) belongs to an existing entity:
        // no database read. Otherwise the entity is looked up (404), and its stream rebuilt from the outbox.
        const published = (await redis.exists(route.log.highWaterKey(route.entity, id))) === 1;
        if (!published) await route.load(id);

        const headers = pendingHeaders(reply);
        reply.hijack();
        sse.track(reply.raw);
        try {
          await streamEvents({
            log: route.log,
            hub: streamHub,
            entity: route.entity,
            id,
            response: reply.raw,
            lastEventId,
            heartbeatMs: config.SSE_HEARTBEAT_MS,
            headers,
            // A stream Redis lost (restart, flush) is rebuilt from the outbox before it is replayed.
            ...(published ? {} : { ensure: () => relay.ensure({ entity: route.entity, id }) }),
            snapshot: () => route.snapshot(id),
            onOpen: () => metrics.sseConnections.inc(),
            onClose: () => metrics.sseConnections.dec(),
            onDrop: () =>
              logger.info({ [EVENT_ENTITIES[route.entity]]: id }, "SSE client fell behind and was cut off; it resumes with Last-Event-ID"),
          });
        } catch (err) {
          // Headers are gone already; cutting the connection makes EventSource reconnect and resume.
          logger.warn({ err, [EVENT_ENTITIES[route.entity]]: id }, `${route.entity} event stream broke off`);
          reply.raw.destroy();
        }
      },
    );
  };

/** The headers set so far (helmet's, CORS), for a response written straight to the socket that bypasses Fastify's send. */
function pendingHeaders(reply: FastifyReply): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : String(value);
  }
  return headers;
}
