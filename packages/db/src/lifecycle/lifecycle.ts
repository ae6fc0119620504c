import { type Db, rawSql } from "../client.ts";
import type { StateMachine } from "./machine.ts";
import { RUN_LIFECYCLE } from "./run-lifecycle.ts";
import { SHIP_LIFECYCLE } from "./ship-lifecycle.ts";
import { TASK_LIFECYCLE } from "./task-lifecycle.ts";
import {
  type Announcement,
  type Change,
  type EventFields,
  type Queryable,
  recordEvent,
  type StreamRef,
  type Transitioned,
  transition,
} from "./transition.ts";
import { VARIATION_LIFECYCLE } from "./variation-lifecycle.ts";

/** Publishes committed outbox rows (the outbox relay); called after the transaction commits. */
export type Announcer = { announce(announcements: Announcement[]): Promise<void> };

type TaskStatus = (typeof TASK_LIFECYCLE.states)[number];
type RunStatus = (typeof RUN_LIFECYCLE.states)[number];
type VariationStatus = (typeof VARIATION_LIFECYCLE.states)[number];
type ShipStatus = (typeof SHIP_LIFECYCLE.states)[number];

/** Writes inside one transaction; `announce` collects what to publish once it has committed. */
export type LifecycleTransaction = {
  tx: Queryable & Omit<Db, "$transaction" | "$connect" | "$disconnect" | "$on" | "$extends">;
  task(change: Change<TaskStatus>): Promise<Transitioned<TaskStatus>>;
  run(change: Change<RunStatus>): Promise<Transitioned<RunStatus>>;
  variation(change: Change<VariationStatus>): Promise<Transitioned<VariationStatus>>;
  ship(change: Change<ShipStatus>): Promise<Transitioned<ShipStatus>>;
  event(stream: StreamRef, event: EventFields): Promise<Announcement>;
};

/**
 * A service's door to status changes: every change goes through one state machine's transition
 * (row and event in one statement), then the relay publishes the event. A failed publish is the
 * relay's to retry (its loop resumes from the first unsent row), so callers never handle it.
 */
export class Lifecycle {
  readonly db: Db;
  readonly announcer: Announcer;

  constructor(db: Db, announcer: Announcer) {
    this.db = db;
    this.announcer = announcer;
  }

  task(change: Change<TaskStatus>): Promise<Transitioned<TaskStatus>> {
    return this.change(TASK_LIFECYCLE, change);
  }

  run(change: Change<RunStatus>): Promise<Transitioned<RunStatus>> {
    return this.change(RUN_LIFECYCLE, change);
  }

  variation(change: Change<VariationStatus>): Promise<Transitioned<VariationStatus>> {
    return this.change(VARIATION_LIFECYCLE, change);
  }

  ship(change: Change<ShipStatus>): Promise<Transitioned<ShipStatus>> {
    return this.change(SHIP_LIFECYCLE, change);
  }

  /** An event with no status change, through the outbox all the same. */
  async event(stream: StreamRef, event: EventFields): Promise<Announcement> {
    const announcement = await recordEvent(rawSql(this.db), stream, event);
    await this.announcer.announce([announcement]);
    return announcement;
  }

  /** Several changes and other writes in one transaction; their events are published after it commits. */
  async together<T>(work: (t: LifecycleTransaction) => Promise<T>): Promise<T> {
    const announcements: Announcement[] = [];
    const keep = <R extends { announcement: Announcement | null }>(r: R) => {
      if (r.announcement) announcements.push(r.announcement);
      return r;
    };
    const result = await this.db.$transaction(async (tx) =>
      work({
        tx,
        task: async (change) => keep(await transition(tx, TASK_LIFECYCLE, change)),
        run: async (change) => keep(await transition(tx, RUN_LIFECYCLE, change)),
        variation: async (change) => keep(await transition(tx, VARIATION_LIFECYCLE, change)),
        ship: async (change) => keep(await transition(tx, SHIP_LIFECYCLE, change)),
        event: async (stream, event) => {
          const a = await recordEvent(tx, stream, event);
          announcements.push(a);
          return a;
        },
      }),
    );
    if (announcements.length) await this.announcer.announce(announcements);
    return result;
  }

  /**
   * Ends a run as cancelled, with every unfinished variation (each with `reason`), in one
   * transaction; `run.cancelled` is its one event. IllegalTransition when the run was not in `from`.
   */
  cancelRun(
    run: { id: string; variations: { id: string; status: VariationStatus }[] },
    options: { reason: string; from?: readonly RunStatus[] },
  ): Promise<void> {
    const now = new Date();
    return this.together(async (t) => {
      for (const v of run.variations) {
        if (VARIATION_LIFECYCLE.terminal.includes(v.status)) continue;
        await t.variation({ id: v.id, streamId: run.id, to: "cancelled", set: { reason: options.reason, finished_at: now }, event: null });
      }
      await t.run({
        id: run.id,
        to: "cancelled",
        ...(options.from ? { from: options.from } : {}),
        set: { finished_at: now },
        event: { type: "run.cancelled" },
      });
    });
  }

  private async change<S extends string>(machine: StateMachine<S>, change: Change<S>): Promise<Transitioned<S>> {
    // One statement, outside any transaction: the raw path (client.ts) spares Prisma's pipeline.
    const result = await transition(rawSql(this.db), machine, change);
    if (result.announcement) await this.announcer.announce([result.announcement]);
    return result;
  }
}
