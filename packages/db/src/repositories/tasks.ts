import type { Prisma, TaskStatus } from "@prisma/client";
import type { Db } from "../client.ts";
import type { Announcement } from "../lifecycle/transition.ts";
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

export type NewTask = { id: string; persona_id: string; task_type: string; input: string; trace: Record<string, string> };

/**
 * Inserts a queued task and its `task.queued` event in one statement (the row and its
 * announcement commit together). An unknown persona fails on the foreign key.
 */
export async function insertTask(db: Db, task: NewTask): Promise<{ row: TaskWithPost; announcement: Announcement }> {
  const envelope = envelopeOf({ entity: "task", id: task.id }, { type: "task.queued" });
  const [row] = await db.$queryRawUnsafe<(Omit<TaskWithPost, "post"> & { outbox_id: bigint })[]>(
    `WITH task AS (
       INSERT INTO "tasks" ("id", "persona_id", "task_type", "input", "trace") VALUES ($1::uuid, $2, $3, $4, $5::jsonb) RETURNING *),
     event AS (
       INSERT INTO "outbox" ("entity", "entity_id", "type", "envelope") SELECT 'task', task."id", 'task.queued', $6::json FROM task RETURNING "id")
     SELECT task.*, (SELECT "id" FROM event) AS outbox_id FROM task`,
    task.id,
    task.persona_id,
    task.task_type,
    task.input,
    JSON.stringify(task.trace),
    JSON.stringify(envelope),
  );
  const { outbox_id, ...columns } = row as Omit<TaskWithPost, "post"> & { outbox_id: bigint };
  return {
    row: { ...columns, post: null } as TaskWithPost,
    announcement: { entity: "task", id: task.id, outboxId: BigInt(outbox_id), first: { envelope } },
  };
}
