import { EVENT_ENTITIES, type EventEntity, type EventEnvelope } from "@threads-agent/contracts";
import type { Redis } from "ioredis";

export type StoredEvent = { id: string; event: EventEnvelope };

export type EventLogOptions = {
  redis: Redis;
  /** Deployment-wide Redis key prefix (REDIS_PREFIX). */
  prefix: string;
  /** Approximate cap per stream (XADD MAXLEN ~). */
  maxLen?: number;
  /** How long a finished entity's stream is kept after its terminal event. */
  retentionSeconds?: number;
  /** Which event types end an entity's stream. */
  isTerminal: (type: string) => boolean;
};

const STREAM_ID = /^(\d{1,20})-(\d{1,20})$/;
const MAX_PART = 18_446_744_073_709_551_615n; // Redis stream ids are two unsigned 64-bit numbers
/** A Redis stream id (`<ms>-<seq>`, each part an unsigned 64-bit number). */
export const isStreamId = (value: string) => {
  const match = STREAM_ID.exec(value);
  return !!match && BigInt(match[1] as string) <= MAX_PART && BigInt(match[2] as string) <= MAX_PART;
};

/** Orders two stream ids (negative when a comes first). */
export function compareStreamIds(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split("-").map(BigInt);
  const [bm = 0n, bs = 0n] = b.split("-").map(BigInt);
  if (am !== bm) return am < bm ? -1 : 1;
  return as === bs ? 0 : as < bs ? -1 : 1;
}

/**
 * One Redis Stream per task or run. The stream entry id is the SSE event id, so a client resumes
 * exactly after the last entry it saw. State events reach it only through the outbox relay
 * (outbox-relay.ts); `append`/`appendMany` are for progress frames (`step.delta`, `variation.log`),
 * which are not state and may go straight to the stream.
 */
export class EventLog {
  readonly redis: Redis;
  readonly prefix: string;
  readonly maxLen: number;
  readonly retentionSeconds: number;
  readonly isTerminal: (type: string) => boolean;

  constructor(options: EventLogOptions) {
    this.redis = options.redis;
    this.prefix = options.prefix;
    this.maxLen = options.maxLen ?? 10_000;
    this.retentionSeconds = options.retentionSeconds ?? 7 * 24 * 3600;
    this.isTerminal = options.isTerminal;
  }

  key(entity: EventEntity, id: string): string {
    return `${this.prefix}:events:${entity}:${id}`;
  }

  /** The outbox relay's high-water mark of the stream: the last outbox row in it. Gone with the stream. */
  highWaterKey(entity: EventEntity, id: string): string {
    return `${this.key(entity, id)}:outbox`;
  }

  /** Appends one progress frame; returns its stream id. */
  async append(entity: EventEntity, id: string, event: { type: string } & Record<string, unknown>): Promise<string> {
    return (await this.appendMany(entity, id, [event]))[0] as string;
  }

  /** Appends several progress frames in one round trip (log lines arrive in bursts). */
  async appendMany(entity: EventEntity, id: string, events: ({ type: string } & Record<string, unknown>)[]): Promise<string[]> {
    if (events.length === 0) return [];
    const key = this.key(entity, id);
    const at = new Date().toISOString();
    // A pipeline, not MULTI: frames need no atomicity, only one round trip.
    const pipeline = this.redis.pipeline();
    for (const event of events) {
      const { type, ...fields } = event;
      const envelope = { type, [EVENT_ENTITIES[entity]]: id, at, ...fields };
      pipeline.xadd(key, "MAXLEN", "~", this.maxLen, "*", "e", JSON.stringify(envelope));
    }
    const results = (await pipeline.exec()) ?? [];
    const ids: string[] = [];
    for (const [err, value] of results) {
      if (err) throw err;
      ids.push(value as string);
    }
    return ids;
  }

  /** Entries after `afterId` (exclusive), oldest first. */
  async range(entity: EventEntity, id: string, afterId = "0-0", count = 1000): Promise<StoredEvent[]> {
    const entries = await this.redis.xrange(this.key(entity, id), `(${afterId}`, "+", "COUNT", count);
    return entries.map(parseEntry);
  }

  async exists(entity: EventEntity, id: string): Promise<boolean> {
    return (await this.redis.exists(this.key(entity, id))) === 1;
  }

  /** The newest entry, or null when the stream does not exist. */
  async last(entity: EventEntity, id: string): Promise<StoredEvent | null> {
    const [entry] = await this.redis.xrevrange(this.key(entity, id), "+", "-", "COUNT", 1);
    return entry ? parseEntry(entry) : null;
  }

  /**
   * The newest entry and the first `count` entries after `afterId`, in one round trip (an SSE
   * connect). `last` is null when the stream does not exist.
   */
  async head(
    entity: EventEntity,
    id: string,
    afterId = "0-0",
    count = 1000,
  ): Promise<{ last: StoredEvent | null; entries: StoredEvent[] }> {
    const key = this.key(entity, id);
    const results =
      (await this.redis.pipeline().xrevrange(key, "+", "-", "COUNT", 1).xrange(key, `(${afterId}`, "+", "COUNT", count).exec()) ?? [];
    for (const [err] of results) if (err) throw err;
    const [[, newest], [, entries]] = results as [[null, [string, string[]][]], [null, [string, string[]][]]];
    return { last: newest[0] ? parseEntry(newest[0]) : null, entries: entries.map(parseEntry) };
  }
}

/** A raw XRANGE/XREAD entry as a stored event. */
export function parseEntry([id, fields]: [string, string[]]): StoredEvent {
  const index = fields.indexOf("e");
  return { id, event: JSON.parse(fields[index + 1] ?? "{}") as EventEnvelope };
}
