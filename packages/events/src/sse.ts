import type { ServerResponse } from "node:http";
import type { EventEntity, EventEnvelope } from "@threads-agent/contracts";
import type { Redis } from "ioredis";
import { compareStreamIds, type EventLog } from "./event-log.ts";

export type StreamEventsOptions = {
  log: EventLog;
  entity: EventEntity;
  id: string;
  /** The raw response; headers must not have been sent yet. */
  response: ServerResponse;
  /** Resume after this stream id (Last-Event-ID); from the start when absent. */
  lastEventId?: string | undefined;
  heartbeatMs: number;
  /** Rebuilds the stream from the outbox when Redis lost it (OutboxRelay.ensure). */
  ensure?: () => Promise<void>;
  /**
   * When there is no stream even after `ensure` (it expired and its outbox rows are gone): the final
   * event from the database for a finished entity, or null for an unfinished one (then the stream
   * waits for its next event).
   */
  snapshot?: () => Promise<EventEnvelope | null>;
  /** CORS or other extra headers. */
  headers?: Record<string, string>;
  onOpen?: () => void;
  onClose?: () => void;
};

/**
 * Writes an entity's events as Server-Sent Events until its terminal event (or the client leaves).
 * History first, then live entries through a blocking XREAD on a connection of its own. The SSE id
 * is the stream id, so a reconnect with Last-Event-ID gets exactly what it missed. The stream ends
 * after a terminal event only when nothing follows it (a retried task goes on), and at once for a
 * Last-Event-ID at or past a finished stream's end.
 */
export async function streamEvents(options: StreamEventsOptions): Promise<void> {
  const { log, entity, id, response } = options;
  response.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    connection: "keep-alive",
    // nginx and some ingresses buffer responses unless told not to.
    "x-accel-buffering": "no",
    ...options.headers,
  });
  response.flushHeaders();
  options.onOpen?.();

  let closed = false;
  let connection: Redis | undefined;
  const finish = () => {
    if (closed) return;
    closed = true;
    connection?.disconnect();
    options.onClose?.();
  };
  response.on("close", finish);

  const write = async (chunk: string) => {
    if (closed) return;
    if (!response.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          response.off("drain", done);
          response.off("close", done);
          resolve();
        };
        response.on("drain", done);
        response.on("close", done);
      });
    }
  };

  try {
    await write("retry: 2000\n\n");
    await options.ensure?.();
    const last = await log.last(entity, id);
    if (!last) {
      const snapshot = await options.snapshot?.();
      if (snapshot) {
        await write(`data: ${JSON.stringify(snapshot)}\n\n`);
        return;
      }
    } else if (log.isTerminal(last.event.type) && options.lastEventId && compareStreamIds(options.lastEventId, last.id) >= 0) {
      return; // the client has everything a finished stream will ever have
    }
    let cursor = options.lastEventId ?? "0-0";
    connection = log.redis.duplicate({ lazyConnect: false, maxRetriesPerRequest: null, enableOfflineQueue: true });
    connection.on("error", () => {}); // disconnect() on close rejects the pending XREAD; nothing to report.
    while (!closed) {
      const entries = await log.readBlocking(connection, entity, id, cursor, options.heartbeatMs);
      if (closed) break;
      if (entries.length === 0) {
        await write(": heartbeat\n\n");
        continue;
      }
      let chunk = "";
      for (const entry of entries) {
        chunk += `id: ${entry.id}\ndata: ${JSON.stringify(entry.event)}\n\n`;
        cursor = entry.id;
      }
      await write(chunk);
      const last = entries[entries.length - 1] as { event: EventEnvelope };
      if (log.isTerminal(last.event.type) && (await log.range(entity, id, cursor, 1)).length === 0) break;
    }
  } catch (err) {
    if (!closed) throw err;
  } finally {
    if (!closed) {
      response.end();
      finish();
    }
  }
}
