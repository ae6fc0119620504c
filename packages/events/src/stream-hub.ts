import type { Redis } from "ioredis";
import { compareStreamIds, parseEntry, type StoredEvent } from "./event-log.ts";

/** What a subscriber receives: new entries of one stream, oldest first. */
export type HubBatch = {
  entries: StoredEvent[];
  /** True when the read returned fewer entries than it asked for: the batch ends at the stream's end as of the read. */
  complete: boolean;
  /** The entries as SSE frames, serialised once for every listener (10,000 viewers are one JSON.stringify per event). */
  frames(): string;
  /** The frames as one HTTP/1.1 chunk (size line, bytes, CRLF), encoded once for every listener. */
  chunk(): Buffer;
};

/** `data` as one chunk of a chunked HTTP/1.1 body. */
export function httpChunk(data: string | Buffer): Buffer {
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, CRLF]);
}
const CRLF = Buffer.from("\r\n");

/** Entries as SSE frames: the stream id as the SSE id, the envelope as one JSON data line. */
export function sseFrames(entries: StoredEvent[]): string {
  let chunk = "";
  for (const entry of entries) chunk += `id: ${entry.id}\ndata: ${JSON.stringify(entry.event)}\n\n`;
  return chunk;
}

export type HubSubscription = {
  /**
   * The hub's position in the stream when the subscriber joined: every entry after it reaches the
   * listener. Entries between the subscriber's own cursor and this one (when this is later) are the
   * subscriber's to read with XRANGE; later ones may arrive twice, so a subscriber skips ids it has.
   */
  joinedAt: string;
  unsubscribe(): void;
};

export type StreamHubOptions = {
  /** The process's shared connection: duplicated once for the blocking reader, and used for CLIENT UNBLOCK. */
  redis: Redis;
  /** How long one XREAD blocks; a new stream interrupts it (CLIENT UNBLOCK), so this only bounds idle reads. */
  blockMs?: number;
  /** Entries per stream per read. */
  count?: number;
  onError?: (err: unknown) => void;
  /** The reader connection's name in CLIENT LIST. */
  name?: string;
};

type KeyState = { cursor: string; listeners: Set<(batch: HubBatch) => void> };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One blocking XREAD per process for every stream anyone follows, fanned out in memory. Redis sees
 * one reader connection however many viewers there are (before: one connection and one XREAD per
 * viewer, so 10,000 viewers were 10,000 Redis clients and each event was read 10,000 times).
 *
 * Per stream the hub keeps one cursor: the id of the last entry it handed out. A stream enters the
 * read at the first subscriber's cursor and leaves it with its last subscriber. Subscribing never
 * waits: a stream new to the read interrupts the blocked XREAD (CLIENT UNBLOCK from the shared
 * connection), which then starts again with the new set.
 */
export class StreamHub {
  readonly #redis: Redis;
  readonly #blockMs: number;
  readonly #count: number;
  readonly #onError: (err: unknown) => void;
  readonly #name: string;
  readonly #keys = new Map<string, KeyState>();
  #reader: Redis | undefined;
  #readerId: number | undefined;
  /** The streams (and their state objects) of the XREAD in flight. */
  #reading: Map<string, KeyState> | undefined;
  #generation = 0;
  #unblocking = false;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #closed = false;
  readonly #beats = new Map<number, { members: Set<() => void>; timer: NodeJS.Timeout }>();

  constructor(options: StreamHubOptions) {
    this.#redis = options.redis;
    this.#blockMs = options.blockMs ?? 10_000;
    this.#count = options.count ?? 500;
    this.#onError = options.onError ?? (() => {});
    this.#name = options.name ?? "sse-hub";
  }

  /** Redis connections the hub holds (0 before the first subscriber, then 1). */
  get connections(): number {
    return this.#reader ? 1 : 0;
  }

  /** Streams being read, and listeners over all of them. */
  get size(): { streams: number; listeners: number } {
    let listeners = 0;
    for (const state of this.#keys.values()) listeners += state.listeners.size;
    return { streams: this.#keys.size, listeners };
  }

  /**
   * Hands `listener` every entry of stream `key` after the hub's position (returned as `joinedAt`).
   * A stream new to the hub starts at `afterId`. The listener runs synchronously in the reader's
   * loop: it must not block (write, or buffer to a bound, and return).
   */
  subscribe(key: string, afterId: string, listener: (batch: HubBatch) => void): HubSubscription {
    if (this.#closed) throw new Error("the stream hub is closed");
    let state = this.#keys.get(key);
    if (!state) {
      state = { cursor: afterId, listeners: new Set() };
      this.#keys.set(key, state);
      if (this.#reading && !this.#reading.has(key)) void this.#interrupt();
    }
    state.listeners.add(listener);
    this.#start();
    const joined = state;
    return {
      joinedAt: joined.cursor,
      unsubscribe: () => {
        joined.listeners.delete(listener);
        if (joined.listeners.size === 0 && this.#keys.get(key) === joined) this.#keys.delete(key);
      },
    };
  }

  /**
   * Calls `beat` every `intervalMs` from one timer shared by every caller with the same interval
   * (10,000 viewers are one timer, not 10,000). Returns the function that stops it.
   */
  heartbeat(intervalMs: number, beat: () => void): () => void {
    let group = this.#beats.get(intervalMs);
    if (!group) {
      const members = new Set<() => void>();
      const timer = setInterval(() => {
        for (const member of [...members]) member();
      }, intervalMs);
      timer.unref();
      group = { members, timer };
      this.#beats.set(intervalMs, group);
    }
    const { members } = group;
    members.add(beat);
    return () => {
      members.delete(beat);
      const current = this.#beats.get(intervalMs);
      if (current && current.members.size === 0) {
        clearInterval(current.timer);
        this.#beats.delete(intervalMs);
      }
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const { timer } of this.#beats.values()) clearInterval(timer);
    this.#beats.clear();
    this.#keys.clear();
    this.#wake?.();
    this.#reader?.disconnect();
    await this.#loop;
  }

  #start(): void {
    if (this.#wake) {
      const wake = this.#wake;
      this.#wake = undefined;
      wake();
    }
    if (this.#loop) return;
    if (!this.#reader) {
      this.#reader = this.#redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true, connectionName: this.#name });
      // A reconnect is a new client with a new id.
      this.#reader.on("close", () => {
        this.#readerId = undefined;
      });
      this.#reader.on("error", () => {}); // reported through the failed XREAD
    }
    this.#loop = this.#run().finally(() => {
      this.#loop = undefined;
    });
  }

  async #run(): Promise<void> {
    const reader = this.#reader as Redis;
    let failures = 0;
    while (!this.#closed) {
      if (this.#keys.size === 0) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        continue;
      }
      let reading = new Map<string, KeyState>();
      let result: [string, [string, string[]][]][] | null;
      try {
        if (this.#readerId === undefined) this.#readerId = (await reader.client("ID")) as number;
        // Taken right before the read, with no await in between: a stream joining later interrupts it.
        reading = new Map(this.#keys);
        if (reading.size === 0) continue;
        const keys = [...reading.keys()];
        const cursors = [...reading.values()].map((s) => s.cursor);
        this.#generation++;
        this.#reading = reading;
        result = (await reader.xread("COUNT", this.#count, "BLOCK", this.#blockMs, "STREAMS", ...keys, ...cursors)) as typeof result;
        failures = 0;
      } catch (err) {
        this.#reading = undefined;
        if (this.#closed) break;
        this.#onError(err);
        await sleep(Math.min(2000, 100 * 2 ** failures++));
        continue;
      }
      this.#reading = undefined;
      if (!result) continue;
      for (const [key, raw] of result) {
        const state = this.#keys.get(key);
        // Left, or left and joined again with a cursor of its own, during the read: the next read serves it.
        if (!state || state !== reading.get(key) || raw.length === 0) continue;
        const entries = raw.map(parseEntry).filter((e) => compareStreamIds(e.id, state.cursor) > 0);
        if (entries.length === 0) continue;
        state.cursor = (entries[entries.length - 1] as StoredEvent).id;
        let text: string | undefined;
        let chunk: Buffer | undefined;
        const batch: HubBatch = {
          entries,
          complete: raw.length < this.#count,
          frames: () => {
            text ??= sseFrames(entries);
            return text;
          },
          chunk: () => {
            chunk ??= httpChunk(batch.frames());
            return chunk;
          },
        };
        for (const listener of [...state.listeners]) {
          try {
            listener(batch);
          } catch (err) {
            this.#onError(err);
          }
        }
      }
    }
  }

  /**
   * Ends the blocked XREAD so the next one includes a new stream. CLIENT UNBLOCK goes over another
   * connection and may reach Redis before the XREAD it is meant for: then it is tried again.
   */
  async #interrupt(): Promise<void> {
    if (this.#unblocking) return;
    this.#unblocking = true;
    const generation = this.#generation;
    let again = false;
    try {
      for (let attempt = 0; attempt < 50 && this.#reading && this.#generation === generation; attempt++) {
        const id = this.#readerId;
        if (id !== undefined && (await this.#redis.client("UNBLOCK", id)) === 1) return;
        await sleep(2);
      }
      // Another read started meanwhile: it may lack a stream that joined while this was under way.
      again = this.#generation !== generation;
    } catch (err) {
      this.#onError(err); // the read ends at its timeout instead
    } finally {
      this.#unblocking = false;
    }
    if (again && this.#reading && [...this.#keys.keys()].some((k) => !this.#reading?.has(k))) void this.#interrupt();
  }
}
