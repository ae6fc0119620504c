import {
  type Persona as PersonaRow,
  type Post as PostRow,
  Prisma,
  type Task as TaskRow,
  type TaskStatus,
  type ThreadsAccount as ThreadsAccountRow,
} from "@prisma/client";
import type { Db } from "../client.ts";
import type { Announcement, Queryable } from "../lifecycle/transition.ts";
import { envelopeOf } from "../lifecycle/transition.ts";
import type { TaskWithPost } from "../mappers.ts";

/** What the API shows of a task: the row with its post. */
export const TASK_WITH_POST = { post: true } as const satisfies Prisma.TaskInclude;

export function findTask(db: Db, id: string): Promise<TaskWithPost | null> {
  return db.task.findUnique({ where: { id }, include: TASK_WITH_POST });
}

/** A task as the worker runs it: the row, its post, its persona with the persona's Threads account. */
export type TaskForWork = TaskRow & { post: PostRow | null; persona: PersonaRow & { threads_account: ThreadsAccountRow | null } };

// The columns Prisma's model API reads for each model (field names are the column names: the
// schema maps no field), so the statement below cannot fall behind a migration that adds one.
export const columns = (alias: string, fields: Record<string, string>, prefix = "") =>
  Object.keys(fields).map((f) => `${alias}."${f}"${prefix ? ` AS "${prefix}${f}"` : ""}`);
const POST_PREFIX = "post$";
const PERSONA_PREFIX = "persona$";
const ACCOUNT_PREFIX = "account$";
const FIND_TASK_FOR_WORK = `SELECT ${[
  ...columns("t", Prisma.TaskScalarFieldEnum),
  ...columns("p", Prisma.PostScalarFieldEnum, POST_PREFIX),
  ...columns("pe", Prisma.PersonaScalarFieldEnum, PERSONA_PREFIX),
  ...columns("a", Prisma.ThreadsAccountScalarFieldEnum, ACCOUNT_PREFIX),
].join(", ")}
  FROM "tasks" t JOIN "personas" pe ON pe."id" = t."persona_id"
  LEFT JOIN "posts" p ON p."task_id" = t."id"
  LEFT JOIN "threads_accounts" a ON a."persona_id" = pe."id"
  WHERE t."id" = $1::uuid`;

const pick = (row: Record<string, unknown>, fields: Record<string, string>, prefix: string) =>
  Object.fromEntries(Object.keys(fields).map((f) => [f, row[`${prefix}${f}`]]));

/**
 * `db.task.findUnique({ where: { id }, include: { post: true, persona: { include: { threads_account: true } } } })`
 * as one statement on the raw path (Prisma's include is a statement per relation, each through its
 * query compiler): the same objects, Dates, Decimals and parsed JSON, on every attempt of every task.
 */
export async function findTaskForWork(db: Queryable, id: string): Promise<TaskForWork | null> {
  const [row] = await db.$queryRawUnsafe<Record<string, unknown>[]>(FIND_TASK_FOR_WORK, id);
  if (!row) return null;
  const task = pick(row, Prisma.TaskScalarFieldEnum, "") as TaskRow;
  const post = row[`${POST_PREFIX}id`] === null ? null : (pick(row, Prisma.PostScalarFieldEnum, POST_PREFIX) as PostRow);
  const account =
    row[`${ACCOUNT_PREFIX}id`] === null ? null : (pick(row, Prisma.ThreadsAccountScalarFieldEnum, ACCOUNT_PREFIX) as ThreadsAccountRow);
  const persona = { ...(pick(row, Prisma.PersonaScalarFieldEnum, PERSONA_PREFIX) as PersonaRow), threads_account: account };
  return { ...task, post, persona };
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
