import { type Post as PostRow, Prisma } from "@prisma/client";
import type { Queryable } from "../lifecycle/transition.ts";
import { columns } from "./tasks.ts";

export type NewPost = {
  id: string;
  task_id: string;
  persona_id: string;
  hook: string;
  body: string;
  text: string;
  hook_style: string | null;
};

/** One model call of the task, as toLlmCallRow gives it. */
export type NewLlmCall = {
  id: string;
  step: string;
  provider: string;
  model: string;
  tokens_in: number;
  tokens_out: number;
  cost_usd: number;
  latency_ms: number;
  reason: string;
};

const INSERT_POST_WITH_USAGE = `WITH post AS (
    INSERT INTO "posts" ("id", "task_id", "persona_id", "hook", "body", "text", "hook_style")
    VALUES ($1::uuid, $2::uuid, $3, $4, $5, $6, $7)
    RETURNING ${columns('"posts"', Prisma.PostScalarFieldEnum).join(", ")}),
  calls AS (
    INSERT INTO "llm_calls" ("id", "task_id", "step", "provider", "model", "tokens_in", "tokens_out", "cost_usd", "latency_ms", "reason")
    SELECT c.id, $2::uuid, c.step, c.provider, c.model, c.tokens_in, c.tokens_out, c.cost_usd, c.latency_ms, c.reason
    FROM unnest($8::uuid[], $9::text[], $10::text[], $11::text[], $12::int[], $13::int[], $14::numeric[], $15::int[], $16::text[])
      AS c(id, step, provider, model, tokens_in, tokens_out, cost_usd, latency_ms, reason)),
  usage AS (
    UPDATE "tasks" SET "tokens_in" = "tokens_in" + $17, "tokens_out" = "tokens_out" + $18,
      "cost_usd" = "cost_usd" + $19::numeric, "updated_at" = now()
    WHERE "id" = $2::uuid RETURNING "cost_usd")
  SELECT post.*, (SELECT "cost_usd" FROM usage) AS "task$cost_usd" FROM post`;

/**
 * A task's post, its model calls and the task's usage totals (tokens and cost added) as one
 * statement: they commit together, as the interactive transaction that did them one by one did,
 * without its BEGIN/COMMIT round trips. Returns the post and the task's cost after the addition.
 * A second post for the task fails the whole statement on posts' task_id unique index
 * (isUniqueViolation), so nothing of it is written.
 */
export async function insertPostWithUsage(
  db: Queryable,
  post: NewPost,
  calls: readonly NewLlmCall[],
): Promise<{ post: PostRow; taskCostUsd: Prisma.Decimal }> {
  const sum = (f: (c: NewLlmCall) => number) => calls.reduce((total, c) => total + f(c), 0);
  const [row] = await db.$queryRawUnsafe<(PostRow & { task$cost_usd: Prisma.Decimal })[]>(
    INSERT_POST_WITH_USAGE,
    post.id,
    post.task_id,
    post.persona_id,
    post.hook,
    post.body,
    post.text,
    post.hook_style,
    calls.map((c) => c.id),
    calls.map((c) => c.step),
    calls.map((c) => c.provider),
    calls.map((c) => c.model),
    calls.map((c) => c.tokens_in),
    calls.map((c) => c.tokens_out),
    calls.map((c) => c.cost_usd),
    calls.map((c) => c.latency_ms),
    calls.map((c) => c.reason),
    sum((c) => c.tokens_in),
    sum((c) => c.tokens_out),
    sum((c) => c.cost_usd),
  );
  if (!row) throw new Error(`post of task ${post.task_id} not stored`);
  const { task$cost_usd: taskCostUsd, ...stored } = row;
  return { post: stored as PostRow, taskCostUsd };
}

type PostColumn = Exclude<keyof PostRow, "id">;
type PostValue = string | number | Date | null;

const SELECT_POST = `SELECT ${columns("p", Prisma.PostScalarFieldEnum).join(", ")} FROM "posts" p WHERE p."id" = $1::uuid`;

/** A post by id on the raw path (what `db.post.findUnique` gives). */
export async function findPost(db: Queryable, id: string): Promise<PostRow | null> {
  const [row] = await db.$queryRawUnsafe<PostRow[]>(SELECT_POST, id);
  return row ?? null;
}

/**
 * A conditional single-row update of a post (the compare-and-set steps of the publish protocol):
 * `UPDATE "posts" SET … WHERE "id" = id AND each condition RETURNING the row`, one statement on the
 * raw path where `post.updateMany` then `post.findUniqueOrThrow` were two through Prisma. A null
 * condition is `IS NULL`, as Prisma's `where: { column: null }`; `{ increment: n }` adds to the
 * column. Returns the row as written, or null when the conditions did not hold (nothing written).
 */
export async function updatePostIf(
  db: Queryable,
  id: string,
  where: Partial<Record<PostColumn, PostValue>>,
  set: Partial<Record<PostColumn, PostValue | { increment: number }>>,
): Promise<PostRow | null> {
  const values: unknown[] = [id];
  const assignments = Object.entries(set).map(([column, value]) => {
    if (value !== null && typeof value === "object" && "increment" in value) {
      values.push(value.increment);
      return `"${column}" = "${column}" + $${values.length}`;
    }
    values.push(value);
    return `"${column}" = $${values.length}`;
  });
  const conditions = Object.entries(where).map(([column, value]) => {
    if (value === null) return `"${column}" IS NULL`;
    values.push(value);
    return `"${column}" = $${values.length}`;
  });
  const [row] = await db.$queryRawUnsafe<PostRow[]>(
    `UPDATE "posts" SET ${assignments.join(", ")} WHERE ${[`"id" = $1::uuid`, ...conditions].join(" AND ")}
     RETURNING ${columns('"posts"', Prisma.PostScalarFieldEnum).join(", ")}`,
    ...values,
  );
  return row ?? null;
}
