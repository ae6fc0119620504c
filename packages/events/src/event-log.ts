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

const STREAM_ID = /^\d{1,20}-\d{1,20}$/;
export const isStreamId = (value: string) => STREAM_ID.test(value);

/**
 * One Redis Stream per task or run. The stream entry id is the SSE event id, so a client resumes
 * exactly after the last entry it saw; the database keeps the durable final state.
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

  /** Appends one event; returns its stream id. A terminal event starts the retention clock, anything later stops it. */
  async append(entity: EventEntity, id: string, event: { type: string } & Record<string, unknown>): Promise<string> {
    return (await this.appendMany(entity, id, [event]))[0] as string;
  }

  /** Appends several events in one round trip (log lines arrive in bursts). */
  async appendMany(entity: EventEntity, id: string, events: ({ type: string } & Record<string, unknown>)[]): Promise<string[]> {
    if (events.length === 0) return [];
    const key = this.key(entity, id);
    const at = new Date().toISOString();
    const pipeline = this.redis.multi();
    for (const event of events) {
      const { type, ...fields } = event;
      const envelope = { type, [EVENT_ENTITIES[entity]]: id, at, ...fields };
      pipeline.xadd(key, "MAXLEN", "~", this.maxLen, "*", "e", JSON.stringify(envelope));
    }
    const last = events[events.length - 1] as { type: string };
    if (this.isTerminal(last.type)) pipeline.expire(key, this.retentionSeconds);
    else pipeline.persist(key);
    const results = (await pipeline.exec()) ?? [];
    const ids: string[] = [];
    for (const [err, value] of results.slice(0, events.length)) {
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

  /** Blocks up to `blockMs` for entries after `afterId`, on a connection of the caller's (blocking ties it up). */
  async readBlocking(
    connection: Redis,
    entity: EventEntity,
    id: string,
    afterId: string,
    blockMs: number,
    count = 500,
  ): Promise<StoredEvent[]> {
    const result = await connection.xread("COUNT", count, "BLOCK", blockMs, "STREAMS", this.key(entity, id), afterId);
    if (!result) return [];
    const [, entries] = result[0] as [string, [string, string[]][]];
    return entries.map(parseEntry);
  }
}

function parseEntry([id, fields]: [string, string[]]): StoredEvent {
  const index = fields.indexOf("e");
  return { id, event: JSON.parse(fields[index + 1] ?? "{}") as EventEnvelope };
}
