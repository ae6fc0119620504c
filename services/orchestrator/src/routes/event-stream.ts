import { EVENT_ENTITIES, type EventEntity, type EventEnvelope } from "@threads-agent/contracts";
import { type EventLog, isStreamId, streamEvents } from "@threads-agent/events";
import { parse, ValidationFailed } from "@threads-agent/http";
import type { FastifyInstance } from "fastify";
import { pendingHeaders } from "../http-headers.ts";
import { assertRedisReady } from "../redis.ts";
import type { RouteDeps } from "./route-deps.ts";
import { EventsQuery, IdParams } from "./schemas.ts";

export type EventStreamRoute = {
  /** e.g. `/v1/tasks/:id/events` */
  path: string;
  entity: EventEntity;
  log: EventLog;
  /** Throws NotFound when there is no such entity, so a wrong id is a 404 rather than an empty stream. */
  load: (id: string) => Promise<unknown>;
  /** The final event, from the database, once the stream has expired (null: end at once). */
  snapshot: (id: string) => Promise<EventEnvelope | null>;
};

/**
 * `GET <path>`: an entity's events as Server-Sent Events, resuming after Last-Event-ID. The API key
 * may come as ?access_token=, since EventSource cannot send headers.
 */
export function registerEventStreamRoute(app: FastifyInstance, deps: RouteDeps, route: EventStreamRoute): void {
  const { metrics, sse } = deps;
  const { config, redis, logger, relay } = deps.deps;
  app.get(route.path, { config: { acceptsQueryToken: true } }, async (request, reply) => {
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
    await route.load(id);
    // Refuse now with a 503 rather than break the stream right after its headers.
    assertRedisReady(redis);

    const headers = pendingHeaders(reply);
    reply.hijack();
    sse.track(reply.raw);
    try {
      await streamEvents({
        log: route.log,
        entity: route.entity,
        id,
        response: reply.raw,
        lastEventId,
        heartbeatMs: config.SSE_HEARTBEAT_MS,
        headers,
        // A stream Redis lost (restart, flush) is rebuilt from the outbox before it is replayed.
        ensure: () => relay.ensure({ entity: route.entity, id }),
        snapshot: () => route.snapshot(id),
        onOpen: () => metrics.sseConnections.inc(),
        onClose: () => metrics.sseConnections.dec(),
      });
    } catch (err) {
      // Headers are gone already; cutting the connection makes EventSource reconnect and resume.
      logger.warn({ err, [EVENT_ENTITIES[route.entity]]: id }, `${route.entity} event stream broke off`);
      reply.raw.destroy();
    }
  });
}
