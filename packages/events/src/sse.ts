import type { ServerResponse } from "node:http";
import type { EventEntity, EventEnvelope } from "@threads-agent/contracts";
import { compareStreamIds, type EventLog, type StoredEvent } from "./event-log.ts";
import { type HubBatch, type HubSubscription, httpChunk, type StreamHub, sseFrames } from "./stream-hub.ts";

export type StreamEventsOptions = {
  log: EventLog;
  /** The process's shared reader: live entries come from its one XREAD, not from a connection per client. */
  hub: StreamHub;
  entity: EventEntity;
  id: string;
  /** The raw response; headers must not have been sent yet. */
  response: ServerResponse;
  /** Resume after this stream id (Last-Event-ID); from the start when absent. */
  lastEventId?: string | undefined;
  heartbeatMs: number;
  /**
   * Unsent bytes a client may have queued before it is cut off (it then reconnects and resumes with
   * Last-Event-ID from the stream's history). A slow client never holds up the others. Default 1 MiB.
   */
  maxBufferedBytes?: number;
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
  /** A client was cut off for falling behind (maxBufferedBytes). */
  onDrop?: () => void;
};

/** Entries per XRANGE page of history. */
const PAGE = 1000;
/** Live entries held for one client while it reads the history the hub is already past. */
const MAX_HELD = 10_000;

const frame = sseFrames;
const HEARTBEAT = ": heartbeat\n\n";
const HEARTBEAT_CHUNK = httpChunk(HEARTBEAT);

/**
 * Writes an entity's events as Server-Sent Events until its terminal event (or the client leaves).
 * History first (XRANGE after Last-Event-ID), then live entries from the process's shared reader
 * (StreamHub). The SSE id is the stream id, so a reconnect with Last-Event-ID gets exactly what it
 * missed, and at the seam between history and live every id is written once, in order: the client
 * joins the hub at its cursor, reads any gap the hub is already past itself, and skips ids it has.
 * The stream ends after a terminal event only when nothing follows it (a retried task goes on), and
 * at once for a Last-Event-ID at or past a finished stream's end.
 */
export async function streamEvents(options: StreamEventsOptions): Promise<void> {
  const { log, hub, entity, id, response } = options;
  const limit = options.maxBufferedBytes ?? 1024 * 1024;
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
  let subscription: HubSubscription | undefined;
  let stopHeartbeat: (() => void) | undefined;
  let ended!: () => void;
  const done = new Promise<void>((resolve) => {
    ended = resolve;
  });
  const finish = () => {
    if (closed) return;
    closed = true;
    subscription?.unsubscribe();
    stopHeartbeat?.();
    options.onClose?.();
    ended();
  };
  response.on("close", finish);

  // History: this client's own reads, so it may wait for its socket to drain.
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
  // Live: runs inside the shared reader's fan-out, so it never waits; past the bound the client is dropped.
  const drop = () => {
    if (closed) return;
    options.onDrop?.();
    response.destroy();
  };
  // A live batch goes to every viewer as the same bytes. On a chunked HTTP/1.1 response (what Node
  // sends for a stream) they are written to the socket as one ready-made chunk, encoded once: at
  // 10,000 viewers, response.write re-encoding the string and framing it per client was 40% of the
  // orchestrator's CPU per event. Writes through the response and the socket keep their order
  // (both end in socket.write), so history, live chunks and the final chunk of end() interleave right.
  const socket = (response as { chunkedEncoding?: boolean }).chunkedEncoding === true ? response.socket : null;
  const writeLive = (text: string, chunk: () => Buffer) => {
    if (closed) return;
    // Checked before writing: a client holding more than the bound unsent has not kept up.
    if ((socket ?? response).writableLength > limit) return drop();
    if (socket) socket.write(chunk());
    else response.write(text);
  };

  try {
    await write("retry: 2000\n\n");
    await options.ensure?.();
    let cursor = options.lastEventId ?? "0-0";
    const head = await log.head(entity, id, cursor, PAGE);
    if (!head.last) {
      const snapshot = await options.snapshot?.();
      if (snapshot) {
        await write(`data: ${JSON.stringify(snapshot)}\n\n`);
        return;
      }
    } else if (log.isTerminal(head.last.event.type) && options.lastEventId && compareStreamIds(options.lastEventId, head.last.id) >= 0) {
      return; // the client has everything a finished stream will ever have
    }

    // Pages of history until a short one: `tail` is then the stream's last entry as of that read.
    let tail: StoredEvent | undefined;
    const readHistory = async (first?: StoredEvent[]) => {
      let entries = first ?? (await log.range(entity, id, cursor, PAGE));
      while (!closed) {
        const fresh = entries.filter((e) => compareStreamIds(e.id, cursor) > 0);
        if (fresh.length > 0) {
          await write(frame(fresh));
          tail = fresh[fresh.length - 1] as StoredEvent;
          cursor = tail.id;
        }
        if (entries.length < PAGE) return;
        entries = await log.range(entity, id, cursor, PAGE);
      }
    };
    await readHistory(head.entries);
    if (closed || (tail && log.isTerminal(tail.event.type))) return;

    const deliver = (batch: HubBatch) => {
      const first = batch.entries[0] as StoredEvent;
      // Usually the whole batch is new to this client: its frames are the hub's, serialised once.
      const whole = compareStreamIds(first.id, cursor) > 0;
      const fresh = whole ? batch.entries : batch.entries.filter((e) => compareStreamIds(e.id, cursor) > 0);
      if (fresh.length === 0) return;
      if (whole) writeLive(batch.frames(), batch.chunk);
      else {
        const text = frame(fresh);
        writeLive(text, () => httpChunk(text));
      }
      const last = fresh[fresh.length - 1] as StoredEvent;
      cursor = last.id;
      if (batch.complete && log.isTerminal(last.event.type)) {
        response.end();
        finish();
      }
    };
    let held: HubBatch[] | null = [];
    let heldEntries = 0;
    subscription = hub.subscribe(log.key(entity, id), cursor, (batch) => {
      if (closed) return;
      if (!held) return deliver(batch);
      held.push(batch);
      heldEntries += batch.entries.length;
      if (heldEntries > MAX_HELD) drop();
    });
    // The hub was already past this client's cursor: the entries in between are read here.
    tail = undefined;
    if (compareStreamIds(subscription.joinedAt, cursor) > 0) await readHistory();
    const pending: HubBatch[] = held;
    held = null;
    if (closed) return;
    for (const batch of pending) if (!closed) deliver(batch);
    if (closed) return;
    // The gap ended the stream and nothing newer came from the hub.
    const gapEnd = tail as StoredEvent | undefined;
    if (gapEnd && cursor === gapEnd.id && log.isTerminal(gapEnd.event.type) && (pending.at(-1)?.complete ?? true)) return;
    if (!closed) stopHeartbeat = hub.heartbeat(options.heartbeatMs, () => writeLive(HEARTBEAT, () => HEARTBEAT_CHUNK));
    await done;
  } catch (err) {
    if (!closed) throw err;
  } finally {
    if (!closed) {
      response.end();
      finish();
    }
  }
}
