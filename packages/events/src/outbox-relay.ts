import type { EventEntity, EventEnvelope } from "@threads-agent/contracts";
import {
  type Announcement,
  type Announcer,
  type Db,
  markSent,
  outboxRows,
  pruneOutbox,
  runLinesForRebuild,
  type StreamRef,
  settleUpTo,
  streamsWithUnsent,
  unsentRows,
} from "@threads-agent/db";
import type { EventLog } from "./event-log.ts";
import { type LuaScript, runScript } from "./lua-script.ts";
import { type HistoryItem, mergeRunHistory, withStreamIds } from "./stream-history.ts";

type Log = {
  warn: (obj: object, msg: string) => void;
  info: (obj: object, msg: string) => void;
  error: (obj: object, msg: string) => void;
};

export type OutboxRelayOptions = {
  db: Db;
  /** The event logs this service writes, by stream kind; the relay publishes only those kinds. */
  logs: Partial<Record<EventEntity, EventLog>>;
  logger: Log;
  /** How often the loop looks for rows nobody published (a crash or a Redis outage after the commit). */
  intervalMs?: number;
  /** Rows younger than this are left to the writer's own publish right after its commit. */
  minAgeMs?: number;
  /** Published rows older than this are deleted (the streams they could rebuild have expired). */
  retentionSeconds?: number;
  /** Test-only: runs after a commit, before its events are published (to kill the process in that window). */
  afterCommit?: (announcements: Announcement[]) => void;
  /**
   * When > 0, rows the writer published are marked sent in batches this often instead of one
   * UPDATE per publish (off the request's path). Safe: a row published but not yet marked is under
   * the stream's high-water mark, so whoever finds it unsent marks it without adding it again.
   * Default 0: marked before `announce` returns.
   */
  markSentDelayMs?: number;
};

/** Rows per publish round: a stream's history is rebuilt in rounds this size. */
const BATCH = 2000;
const PRUNE_EVERY_MS = 60_000;

// Publishes rows in order under a per-stream high-water mark (the last outbox id in the stream),
// atomically: a row at or below the mark is never added twice, whoever (writer or loop, any
// service) publishes it. An empty `expected` means the mark is gone with the stream (Redis lost
// it, or it expired): the stream is then rebuilt from the first row, with the stream ids the rows
// had before when given, so Last-Event-ID still resumes exactly. A partial stream (progress frames
// written after the loss) is dropped first: frames are not state, the rebuilt history is.
const PUBLISH: LuaScript = {
  name: "taOutboxPublish",
  keys: 2,
  lua: `
local stream, mark = KEYS[1], KEYS[2]
local expected, maxlen, ttl, terminal = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local current = redis.call('GET', mark)
if expected == '' then
  if current then return {'moved'} end
  redis.call('DEL', stream)
elseif current ~= expected then
  return {'moved'}
end
local ids = {}
local high = expected
for i = 5, #ARGV, 3 do
  local outbox, wanted, envelope = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local id = false
  if wanted ~= '' then
    local added = redis.pcall('XADD', stream, 'MAXLEN', '~', maxlen, wanted, 'e', envelope)
    if type(added) == 'string' then id = added end
  end
  if not id then id = redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', 'e', envelope) end
  ids[#ids + 1] = id
  if outbox ~= '' then high = outbox end
end
redis.call('SET', mark, high)
if terminal == '1' then
  redis.call('EXPIRE', stream, ttl)
  redis.call('EXPIRE', mark, ttl)
else
  redis.call('PERSIST', stream)
end
return ids
`,
};

// The writer's fast path right after its commit: the stream's unsent rows (read after the commit,
// so a superset of those not yet in the stream) are added in order when above the high-water mark,
// without reading the mark first; rows at or below it are already in the stream and skipped. A
// missing mark (Redis lost the stream) answers 'lost': the caller then rebuilds it (PUBLISH).
const APPEND: LuaScript = {
  name: "taOutboxAppend",
  keys: 2,
  lua: `
local stream, mark = KEYS[1], KEYS[2]
local maxlen, ttl, terminal = ARGV[1], ARGV[2], ARGV[3]
local current = redis.call('GET', mark)
if not current then return {'lost'} end
local high = tonumber(current)
local newMark = false
local ids = {}
for i = 4, #ARGV, 2 do
  local outbox = ARGV[i]
  if tonumber(outbox) > high then
    ids[#ids + 1] = redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*', 'e', ARGV[i + 1])
    high = tonumber(outbox)
    newMark = outbox
  else
    ids[#ids + 1] = ''
  end
end
if newMark then
  redis.call('SET', mark, newMark)
  if terminal == '1' then
    redis.call('EXPIRE', stream, ttl)
    redis.call('EXPIRE', mark, ttl)
  else
    redis.call('PERSIST', stream)
    redis.call('PERSIST', mark)
  end
end
return ids
`,
};

/**
 * The outbox relay of one service: publishes committed outbox rows to their entity's Redis Stream
 * in commit order and marks them sent. The writer calls `announce` right after its commit (the fast
 * path); a loop resumes from the first unsent row after a crash or a Redis outage, and a stream
 * Redis lost is rebuilt from the rows (`ensure`, on the next publish or SSE connect).
 */
export class OutboxRelay implements Announcer {
  readonly #options: OutboxRelayOptions;
  readonly #entities: EventEntity[];
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = true;
  #lastPrune = 0;
  #failing = false;
  #pendingSent: { id: bigint; streamId: string | null }[] = [];
  #flushTimer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;

  constructor(options: OutboxRelayOptions) {
    this.#options = options;
    this.#entities = Object.keys(options.logs) as EventEntity[];
  }

  /** Publishes the streams of rows just committed; a failure is left to the loop (the rows stay unsent). */
  async announce(announcements: Announcement[]): Promise<void> {
    this.#options.afterCommit?.(announcements);
    const seen = new Set<string>();
    for (const a of announcements) {
      const key = `${a.entity}:${a.id}`;
      if (seen.has(key) || !this.#options.logs[a.entity]) continue;
      seen.add(key);
      try {
        await (a.first ? this.#publishFirst(a, a.first.envelope) : this.#publishUnsent(a));
        this.#recovered();
      } catch (err) {
        this.#failed(err, a);
      }
    }
  }

  /** A new entity's first row: its stream cannot exist yet, so one script call creates it (no outbox read). */
  async #publishFirst(stream: StreamRef & { outboxId: bigint }, envelope: EventEnvelope): Promise<void> {
    const log = this.#log(stream.entity);
    const key = log.key(stream.entity, stream.id);
    const terminal = log.isTerminal(envelope.type) ? "1" : "0";
    const args = ["", log.maxLen, log.retentionSeconds, terminal, String(stream.outboxId), "", JSON.stringify(envelope)];
    const ids = (await runScript(log.redis, PUBLISH, key, log.highWaterKey(stream.entity, stream.id), ...args)) as string[];
    if (ids[0] === "moved") {
      await this.publish(stream); // someone published it already (or more): the general path sorts it out
      return;
    }
    await this.#markSent([{ id: stream.outboxId, streamId: ids[0] as string }]);
  }

  /** The stream's unsent rows, read after the writer's commit, appended above the mark in one script call. */
  async #publishUnsent(stream: StreamRef): Promise<void> {
    const log = this.#log(stream.entity);
    const rows = await unsentRows(this.#options.db, stream, BATCH);
    if (rows.length === 0) return;
    if (rows.length === BATCH) {
      await this.publish(stream); // a long backlog (an outage): in rounds
      return;
    }
    const last = rows[rows.length - 1] as { envelope: EventEnvelope };
    const args: (string | number)[] = [log.maxLen, log.retentionSeconds, log.isTerminal(last.envelope.type) ? "1" : "0"];
    for (const row of rows) args.push(String(row.id), JSON.stringify(row.envelope));
    const key = log.key(stream.entity, stream.id);
    const ids = (await runScript(log.redis, APPEND, key, log.highWaterKey(stream.entity, stream.id), ...args)) as string[];
    if (ids[0] === "lost") {
      await this.publish(stream); // Redis lost the stream: rebuilt from the first row
      return;
    }
    // Rows under the mark were added by someone whose mark-sent is still to come (or was lost).
    await this.#markSent(rows.map((row, i) => ({ id: row.id, streamId: ids[i] || null })));
  }

  async #markSent(rows: { id: bigint; streamId: string | null }[]): Promise<void> {
    const delay = this.#options.markSentDelayMs ?? 0;
    if (delay <= 0) return markSent(this.#options.db, rows);
    this.#pendingSent.push(...rows);
    if (this.#pendingSent.length >= BATCH) {
      void this.#flushSent();
    } else if (!this.#flushTimer) {
      this.#flushTimer = setTimeout(() => void this.#flushSent(), delay);
      this.#flushTimer.unref();
    }
  }

  /** Marks the batched rows sent in one statement; on failure the loop settles them (they are under the mark). */
  async #flushSent(): Promise<void> {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    await this.#flushing;
    const rows = this.#pendingSent;
    this.#pendingSent = [];
    if (rows.length === 0) return;
    this.#flushing = markSent(this.#options.db, rows)
      .catch((err: unknown) => this.#failed(err))
      .finally(() => {
        this.#flushing = undefined;
      });
    await this.#flushing;
  }

  /** Rebuilds the stream when Redis has lost it (its high-water mark is gone); a no-op otherwise. */
  async ensure(stream: StreamRef): Promise<void> {
    const log = this.#log(stream.entity);
    if ((await log.redis.exists(log.highWaterKey(stream.entity, stream.id))) === 0) await this.publish(stream);
  }

  /** Publishes every row of the stream not yet in it, in order; returns how many rows were added. */
  async publish(stream: StreamRef, options: { settle?: boolean } = {}): Promise<number> {
    const log = this.#log(stream.entity);
    const { db } = this.#options;
    const key = log.key(stream.entity, stream.id);
    const markKey = log.highWaterKey(stream.entity, stream.id);
    let published = 0;
    for (let round = 0; round < 20; round++) {
      const mark = await log.redis.get(markKey);
      const rebuilding = mark === null;
      if (!rebuilding && options.settle) await settleUpTo(db, stream, BigInt(mark));
      const rows = await outboxRows(db, stream, rebuilding ? null : BigInt(mark), BATCH);
      if (rows.length === 0) return published;
      let items: HistoryItem[] = rows.map((r) => ({
        outboxId: r.id,
        streamId: rebuilding ? r.stream_id : null,
        timeMs: r.created_at.getTime(),
        envelope: r.envelope,
      }));
      if (rebuilding) {
        if (stream.entity === "run") items = mergeRunHistory(items, await runLinesForRebuild(db, stream.id), stream.id);
        items = withStreamIds(items);
      }
      const more = rows.length === BATCH;
      const last = rows[rows.length - 1] as { envelope: EventEnvelope };
      const terminal = !more && log.isTerminal(last.envelope.type);
      const args: (string | number)[] = [mark ?? "", log.maxLen, log.retentionSeconds, terminal ? "1" : "0"];
      for (const item of items)
        args.push(item.outboxId === null ? "" : String(item.outboxId), item.streamId ?? "", JSON.stringify(item.envelope));
      const ids = (await runScript(log.redis, PUBLISH, key, markKey, ...args)) as string[];
      if (ids[0] === "moved") continue; // another publisher got there first: read the mark again
      const sent: { id: bigint; streamId: string }[] = [];
      items.forEach((item, i) => {
        if (item.outboxId !== null) sent.push({ id: item.outboxId, streamId: ids[i] as string });
      });
      await markSent(db, sent);
      published += sent.length;
      if (!more) return published;
    }
    return published;
  }

  /** One pass of the loop: every stream with unsent rows (older than minAgeMs); returns rows published. */
  async relayPending(): Promise<number> {
    const { db } = this.#options;
    const streams = await streamsWithUnsent(db, this.#entities, this.#options.minAgeMs ?? 1000);
    let published = 0;
    for (const stream of streams) {
      try {
        published += await this.publish(stream, { settle: true });
        this.#recovered();
      } catch (err) {
        this.#failed(err, stream);
        break; // Redis or the database is down: the next pass tries again
      }
    }
    if (Date.now() - this.#lastPrune > PRUNE_EVERY_MS && this.#options.retentionSeconds) {
      this.#lastPrune = Date.now();
      await pruneOutbox(db, this.#options.retentionSeconds);
    }
    return published;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const loop = () => {
      if (this.#stopped) return;
      this.#running = this.relayPending()
        .catch((err: unknown) => this.#failed(err))
        .finally(() => {
          this.#running = undefined;
          if (!this.#stopped) this.#timer = setTimeout(loop, this.#options.intervalMs ?? 500).unref();
        });
    };
    this.#timer = setTimeout(loop, this.#options.intervalMs ?? 500).unref();
  }

  /** Stops the loop after one last pass, so nothing this process committed is left for a restart. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
    await this.#flushSent();
    await this.relayPending().catch((err: unknown) => this.#failed(err));
  }

  #log(entity: EventEntity): EventLog {
    const log = this.#options.logs[entity];
    if (!log) throw new Error(`this relay has no event log for ${entity} streams`);
    return log;
  }

  // One line per outage rather than one per event.
  #failed(err: unknown, stream?: StreamRef): void {
    if (this.#failing) return;
    this.#failing = true;
    this.#options.logger.warn(
      {
        err: { message: (err as Error).message, name: (err as Error).name },
        ...(stream ? { entity: stream.entity, entity_id: stream.id } : {}),
      },
      "outbox relay cannot publish right now; the events stay in the outbox and go out when it can",
    );
  }

  #recovered(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.#options.logger.info({}, "outbox relay publishing again");
  }
}
