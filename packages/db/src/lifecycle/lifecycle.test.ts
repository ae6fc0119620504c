// Every state machine as a table: each allowed transition succeeds against PostgreSQL and writes
// its event to the outbox in the same statement; every other pair is an IllegalTransition that
// changes nothing.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../client.ts";
import { EntityNotFound, IllegalTransition, type StateMachine } from "./machine.ts";
import { RUN_LIFECYCLE } from "./run-lifecycle.ts";
import { SHIP_LIFECYCLE } from "./ship-lifecycle.ts";
import { TASK_LIFECYCLE } from "./task-lifecycle.ts";
import { recordEvent, transition } from "./transition.ts";
import { VARIATION_LIFECYCLE } from "./variation-lifecycle.ts";

// The contract, written out independently of the machines: every pair not listed is forbidden.
const ALLOWED: Record<string, string[]> = {
  task: [
    "queued>running",
    "queued>cancelled",
    "queued>failed",
    "queued>succeeded",
    "queued>blocked",
    "running>running",
    "running>queued",
    "running>succeeded",
    "running>blocked",
    "running>failed",
    "running>cancelled",
    "running>deferred",
    "deferred>running",
    "deferred>cancelled",
    "deferred>failed",
    "running>awaiting_review",
    "scheduled>running",
    "scheduled>cancelled",
    "scheduled>failed",
    "awaiting_review>queued",
    "awaiting_review>scheduled",
    "awaiting_review>rejected",
    "awaiting_review>cancelled",
    "failed>queued",
    "failed>scheduled",
    "cancelled>queued",
    "cancelled>scheduled",
  ],
  run: [
    "queued>running",
    "queued>cancelled",
    "queued>failed",
    "running>succeeded",
    "running>partially_failed",
    "running>failed",
    "running>cancelled",
  ],
  variation: [
    "queued>scheduled",
    "queued>failed",
    "queued>cancelled",
    "scheduled>running",
    "scheduled>failed",
    "scheduled>cancelled",
    "running>succeeded",
    "running>failed",
    "running>cancelled",
  ],
  ship: ["queued>pushing", "queued>failed", "pushing>pushed", "pushing>failed"],
};

const url = process.env.THREADS_AGENT_TEST_DATABASE_URL as string;
const db = createDb(url);
afterAll(() => db.$disconnect());

let runId = "";
beforeAll(async () => {
  runId = randomUUID();
  await db.run.create({ data: { id: runId, repo_url: "https://github.com/o/r", prompt: "p" } });
});

/** Each ship's run (its event stream). */
const shipRuns = new Map<string, string>();
/** The stream id a change of this entity names: a variation's or a ship's run. */
const streamOf = (machine: StateMachine<string>, id: string) =>
  machine.entity === "variation" ? { streamId: runId } : machine.entity === "ship" ? { streamId: shipRuns.get(id) ?? randomUUID() } : {};

async function entityIn(machine: StateMachine<string>, status: string): Promise<string> {
  const id = randomUUID();
  if (machine.entity === "task") await db.task.create({ data: { id, persona_id: "ai-jesus", input: "x", status: status as never } });
  if (machine.entity === "run")
    await db.run.create({ data: { id, repo_url: "https://github.com/o/r", prompt: "p", status: status as never } });
  if (machine.entity === "variation") {
    const index = Math.floor(Math.random() * 1e9);
    await db.variation.create({ data: { id, run_id: runId, index, status: status as never } });
  }
  if (machine.entity === "ship") {
    // A run of its own: at most one push per run is in flight (a partial unique index).
    const run = randomUUID();
    await db.run.create({ data: { id: run, repo_url: "https://github.com/o/r", prompt: "p" } });
    await db.runShip.create({ data: { id, run_id: run, variation: 0, branch: "b", status: status as never } });
    shipRuns.set(id, run);
  }
  return id;
}

async function statusOf(machine: StateMachine<string>, id: string): Promise<string> {
  const [row] = await db.$queryRawUnsafe<{ status: string }[]>(
    `SELECT status::text AS status FROM "${machine.table}" WHERE id = $1::uuid`,
    id,
  );
  return row?.status ?? "";
}

const machines = [TASK_LIFECYCLE, RUN_LIFECYCLE, VARIATION_LIFECYCLE, SHIP_LIFECYCLE] as unknown as StateMachine<string>[];

describe.each(machines.map((m) => [m.entity, m] as const))("%s state machine", (entity, machine) => {
  const pairs = machine.states.flatMap((from) => machine.states.map((to) => [from, to] as const));

  it("matches the documented table exactly", () => {
    const actual = pairs.filter(([from, to]) => machine.transitions[from]?.includes(to)).map(([f, t]) => `${f}>${t}`);
    expect(actual.sort()).toEqual([...(ALLOWED[entity] ?? [])].sort());
  });

  it.each(pairs.map(([from, to]) => [from, to, ALLOWED[entity]?.includes(`${from}>${to}`) ?? false]))(
    "%s -> %s allowed: %s",
    async (from, to, allowed) => {
      const id = await entityIn(machine, from);
      const change = {
        id,
        to,
        from: [from],
        event: { type: `${entity}.${to}`, note: "table test" },
        ...streamOf(machine, id),
      };
      const outboxBefore = await db.outboxEvent.count();
      if (allowed) {
        const result = await transition(db, machine, change);
        expect(await statusOf(machine, id)).toBe(to);
        expect(result.announcement).toMatchObject({ entity: machine.stream.entity, id: streamOf(machine, id).streamId ?? id });
        const row = await db.outboxEvent.findUniqueOrThrow({ where: { id: result.announcement?.outboxId as bigint } });
        expect(row.envelope).toMatchObject({ type: `${entity}.${to}`, note: "table test", [`${machine.stream.entity}_id`]: row.entity_id });
      } else {
        await expect(transition(db, machine, change)).rejects.toBeInstanceOf(IllegalTransition);
        expect(await statusOf(machine, id)).toBe(from);
        expect(await db.outboxEvent.count()).toBe(outboxBefore);
      }
    },
  );

  it("refuses a change from a state the entity is not in, naming both", async () => {
    const [first, second] = machine.states;
    const id = await entityIn(machine, first as string);
    const target = machine.transitions[second as string]?.[0];
    if (!target) throw new Error("test needs a state with an exit");
    const error = await transition(db, machine, {
      id,
      to: target,
      from: [second as string],
      event: null,
      ...streamOf(machine, id),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IllegalTransition);
    expect(error).toMatchObject({ entity, id, from: first, to: target });
  });

  it("names a missing entity", async () => {
    const to = machine.transitions[machine.states[0] as string]?.[0] as string;
    await expect(
      transition(db, machine, {
        id: randomUUID(),
        to,
        event: null,
        ...(machine.entity === "ship" ? { streamId: randomUUID() } : streamOf(machine, "")),
      }),
    ).rejects.toBeInstanceOf(EntityNotFound);
  });
});

describe("transition", () => {
  it("sets the given columns with the status, and only whitelisted ones", async () => {
    const id = await entityIn(TASK_LIFECYCLE as unknown as StateMachine<string>, "queued");
    const started = new Date("2026-12-01T10:00:00.000Z");
    await transition(db, TASK_LIFECYCLE, {
      id,
      to: "running",
      set: { attempts: 2, started_at: started },
      event: { type: "task.started", attempt: 2 },
    });
    expect(await db.task.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: "running", attempts: 2, started_at: started });
    await expect(transition(db, TASK_LIFECYCLE, { id, to: "succeeded", set: { input: "changed" }, event: null })).rejects.toThrow(
      /cannot set input/,
    );
  });

  it("commits nothing of a transaction that fails after a transition", async () => {
    const id = await entityIn(TASK_LIFECYCLE as unknown as StateMachine<string>, "queued");
    const before = await db.outboxEvent.count({ where: { entity_id: id } });
    await expect(
      db.$transaction(async (tx) => {
        await transition(tx, TASK_LIFECYCLE, { id, to: "running", event: { type: "task.started", attempt: 1 } });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await statusOf(TASK_LIFECYCLE as unknown as StateMachine<string>, id)).toBe("queued");
    expect(await db.outboxEvent.count({ where: { entity_id: id } })).toBe(before);
  });

  it("orders a stream's outbox rows by commit", async () => {
    const id = await entityIn(TASK_LIFECYCLE as unknown as StateMachine<string>, "queued");
    const a = await recordEvent(db, { entity: "task", id }, { type: "task.retrying", attempt: 1, error: "x", delay_ms: 1 });
    const b = await transition(db, TASK_LIFECYCLE, { id, to: "running", event: { type: "task.started", attempt: 2 } });
    expect((b.announcement?.outboxId as bigint) > a.outboxId).toBe(true);
  });

  it("keeps the database's status enums and the API's status lists the same", async () => {
    for (const machine of machines) {
      const rows = await db.$queryRawUnsafe<{ v: string }[]>(`SELECT unnest(enum_range(NULL::"${machine.enumType}"))::text AS v`);
      expect(rows.map((r) => r.v)).toEqual([...machine.states]);
    }
  });
});
