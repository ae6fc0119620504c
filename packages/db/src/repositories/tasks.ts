import type { Prisma, TaskStatus } from "@prisma/client";
import type { Db } from "../client.ts";
import type { Announcement, Queryable } from "../lifecycle/transition.ts";
import { envelopeOf } from "../lifecycle/transition.ts";
import type { TaskWithPost } from "../mappers.ts";

/** What the API shows of a task: the row with its post. */
export const TASK_WITH_POST = { post: true } as const satisfies Prisma.TaskInclude;

export function findTask(db: Db, id: string): Promise<TaskWithPost | null> {
  return db.task.findUnique({ where: { id }, include: TASK_WITH_POST });
}

export type TaskListFilter = {
  status?: TaskStatus | undefined;
  persona_id?: string | undefined;
  cursor?: string | undefined;
  limit: number;
};

/** Newest first; UUIDv7 ids sort by creation time, so the last id seen is the cursor. Returns limit + 1 rows to tell whether more exist. */
export function listTasks(db: Db, filter: TaskListFilter): Promise<TaskWithPost[]> {
  return db.task.findMany({
    where: {
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.persona_id ? { persona_id: filter.persona_id } : {}),
      ...(filter.cursor ? { id: { lt: filter.cursor } } : {}),
    },
    orderBy: { id: "desc" },
    take: filter.limit + 1,
    include: TASK_WITH_POST,
  });
}

export type NewTask = {
  id: string;
  persona_id: string;
  task_type: string;
  input: string;
  trace: Record<string, string>;
  /** Publish no earlier than this; a future time creates the task `scheduled` (event task.scheduled). */
  publish_at?: Date | null;
  review?: boolean;
  trend_id?: string | null;
  slot_at?: Date | null;
};

/**
 * Inserts a task and its first event in one statement (the row and its announcement commit
 * together): `queued` with `task.queued`, or `scheduled` with `task.scheduled {publish_at}` when it
 * waits for a publish time and no review comes first (a reviewed draft is written at once, then
 * waits). An unknown persona fails on the foreign key; a second task for one schedule slot on the
 * (persona_id, slot_at) unique index. `db` may be a transaction.
 */
export async function insertTask(
  db: Queryable,
  task: NewTask,
  now = new Date(),
): Promise<{ row: TaskWithPost; announcement: Announcement }> {
  const waits = !task.review && task.publish_at && task.publish_at.getTime() > now.getTime();
  const status = waits ? "scheduled" : "queued";
  const event = waits ? { type: "task.scheduled", publish_at: (task.publish_at as Date).toISOString() } : { type: "task.queued" };
  const envelope = envelopeOf({ entity: "task", id: task.id }, event);
  const [row] = await db.$queryRawUnsafe<(Omit<TaskWithPost, "post"> & { outbox_id: bigint })[]>(
    `WITH task AS (
       INSERT INTO "tasks" ("id", "persona_id", "task_type", "input", "trace", "status", "publish_at", "review", "trend_id", "slot_at")
       VALUES ($1::uuid, $2, $3, $4, $5::jsonb, $7::task_status, $8, $9, $10::uuid, $11) RETURNING *),
     event AS (
       INSERT INTO "outbox" ("entity", "entity_id", "type", "envelope") SELECT 'task', task."id", $12, $6::json FROM task RETURNING "id")
     SELECT task.*, (SELECT "id" FROM event) AS outbox_id FROM task`,
    task.id,
    task.persona_id,
    task.task_type,
    task.input,
    JSON.stringify(task.trace),
    JSON.stringify(envelope),
    status,
    task.publish_at ?? null,
    task.review ?? false,
    task.trend_id ?? null,
    task.slot_at ?? null,
    event.type,
  );
  const { outbox_id, ...columns } = row as Omit<TaskWithPost, "post"> & { outbox_id: bigint };
  return {
    row: { ...columns, post: null } as TaskWithPost,
    announcement: { entity: "task", id: task.id, outboxId: BigInt(outbox_id), first: { envelope } },
  };
}
