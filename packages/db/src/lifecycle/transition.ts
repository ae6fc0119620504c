import { EVENT_ENTITIES, type EventEntity, type EventEnvelope } from "@threads-agent/contracts";
import type { RawSql } from "../client.ts";
import { EntityNotFound, IllegalTransition, type StateMachine, sourcesOf } from "./machine.ts";

/** What runs SQL: the client or an interactive transaction of it. */
export type Queryable = Pick<RawSql, "$queryRawUnsafe">;

/** A value a transition writes to a column. */
export type ColumnValue = string | number | boolean | Date | null;

/** An event's own fields; the envelope (entity id, `at`) is added when it is written. */
export type EventFields = { type: string } & Record<string, unknown>;

/** Where an outbox row goes: the entity's stream. */
export type StreamRef = { entity: EventEntity; id: string };

/**
 * An event committed to the outbox, for the relay to publish once the transaction has committed.
 * `first` (with its `envelope`) marks the first row of an entity created in the same statement: the
 * relay then publishes it without reading the outbox (nobody else can have written to its stream).
 */
export type Announcement = StreamRef & { outboxId: bigint; first?: { envelope: EventEnvelope } };

export type Change<S extends string> = {
  id: string;
  to: S;
  /** States the entity must be in for the change; default: every state the machine allows `to` from. */
  from?: readonly S[];
  /** Other columns to set in the same statement (from the machine's whitelist). */
  set?: Record<string, ColumnValue>;
  /** The event announcing the change, or null for a change with no event of its own. */
  event: EventFields | null;
  /** The stream's id when it is not the entity's own (a variation's run). */
  streamId?: string;
};

export type Transitioned<S extends string> = { id: string; to: S; announcement: Announcement | null };

/** The event as SSE clients get it: type, entity id, time, then its own fields. */
export function envelopeOf(stream: StreamRef, event: EventFields, at = new Date()): EventEnvelope {
  const { type, ...fields } = event;
  return { type, [EVENT_ENTITIES[stream.entity]]: stream.id, at: at.toISOString(), ...fields };
}

const quote = (name: string) => `"${name}"`;

/**
 * The one way a status changes. One SQL statement moves the row from an allowed state to `to` and
 * writes the announcing event to the outbox, so the change and its event commit together (or not
 * at all); no transaction is needed around it, and it joins the caller's when given a transaction
 * client. A row in a state the change does not allow is an IllegalTransition, never a silent no-op.
 */
export async function transition<S extends string>(db: Queryable, machine: StateMachine<S>, change: Change<S>): Promise<Transitioned<S>> {
  const allowed = sourcesOf(machine, change.to);
  const from = change.from ?? allowed;
  const stray = from.filter((s) => !allowed.includes(s));
  if (stray.length > 0 || from.length === 0) {
    throw new IllegalTransition(
      machine.entity,
      change.id,
      stray[0] ?? "(none)",
      change.to,
      `${machine.entity}: no transition ${stray.join("|")} -> ${change.to}`,
    );
  }
  const streamIdColumn = machine.stream.idColumn;
  const streamId = streamIdColumn === "id" ? change.id : change.streamId;
  if (!streamId) throw new Error(`${machine.entity} transitions need the id of their ${machine.stream.entity} stream`);

  const params: unknown[] = [change.id, change.to, [...from]];
  const assignments = [`"status" = $2::${quote(machine.enumType)}`, `"updated_at" = now()`];
  for (const [column, value] of Object.entries(change.set ?? {})) {
    if (!machine.columns.includes(column)) throw new Error(`${machine.entity}: a transition cannot set ${column}`);
    params.push(value);
    assignments.push(`${quote(column)} = $${params.length}`);
  }
  const conditions = [`"id" = $1::uuid`, `"status"::text = ANY($3::text[])`];
  if (streamIdColumn !== "id") {
    params.push(streamId);
    conditions.push(`${quote(streamIdColumn)} = $${params.length}::uuid`);
  }
  const update = `UPDATE ${quote(machine.table)} SET ${assignments.join(", ")} WHERE ${conditions.join(" AND ")} RETURNING "id"`;

  let sql: string;
  if (change.event) {
    const stream = { entity: machine.stream.entity, id: streamId };
    params.push(stream.entity, stream.id, change.event.type, JSON.stringify(envelopeOf(stream, change.event)));
    const n = params.length;
    sql = `WITH changed AS (${update}), event AS (
        INSERT INTO "outbox" ("entity", "entity_id", "type", "envelope")
        SELECT $${n - 3}, $${n - 2}::uuid, $${n - 1}, $${n}::json FROM changed RETURNING "id")
      SELECT (SELECT count(*)::int FROM changed) AS changed, (SELECT "id" FROM event) AS outbox_id`;
  } else {
    sql = `WITH changed AS (${update}) SELECT (SELECT count(*)::int FROM changed) AS changed, NULL::bigint AS outbox_id`;
  }

  const [result] = await db.$queryRawUnsafe<{ changed: number; outbox_id: bigint | null }[]>(sql, ...params);
  if (!result || result.changed === 0) {
    const [current] = await db.$queryRawUnsafe<{ status: string }[]>(
      `SELECT "status"::text AS status FROM ${quote(machine.table)} WHERE "id" = $1::uuid`,
      change.id,
    );
    if (!current) throw new EntityNotFound(machine.entity, change.id);
    throw new IllegalTransition(machine.entity, change.id, current.status, change.to);
  }
  return {
    id: change.id,
    to: change.to,
    announcement: result.outbox_id === null ? null : { entity: machine.stream.entity, id: streamId, outboxId: BigInt(result.outbox_id) },
  };
}

/** An event that changes no status (a retry is coming, a run was queued with its rows): outbox only. */
export async function recordEvent(db: Queryable, stream: StreamRef, event: EventFields): Promise<Announcement> {
  const [row] = await db.$queryRawUnsafe<{ id: bigint }[]>(
    `INSERT INTO "outbox" ("entity", "entity_id", "type", "envelope") VALUES ($1, $2::uuid, $3, $4::json) RETURNING "id"`,
    stream.entity,
    stream.id,
    event.type,
    JSON.stringify(envelopeOf(stream, event)),
  );
  return { ...stream, outboxId: BigInt((row as { id: bigint }).id) };
}
