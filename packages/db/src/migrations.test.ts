// The hand-written migrations against PostgreSQL: applied in order they build exactly the schema
// schema.prisma describes (plus what Prisma cannot express), and the Threads publishing migration
// keeps the rows of a database that was in use before it.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { HOOK_STYLES, SEEDED_HOOK_STYLE_IDS } from "@threads-agent/contracts";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";

const PACKAGE_DIR = path.resolve(import.meta.dirname, "..");
const MIGRATIONS = path.join(PACKAGE_DIR, "prisma", "migrations");
const folders = readdirSync(MIGRATIONS, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();
const sqlOf = (folder: string) => readFileSync(path.join(MIGRATIONS, folder, "migration.sql"), "utf8");

// Scratch databases next to this file's own (the run's teardown drops them too).
const fileUrl = new URL(process.env.THREADS_AGENT_TEST_DATABASE_URL as string);
const scratch: string[] = [];
async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const url = new URL(fileUrl);
  url.pathname = "/postgres";
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
async function freshDatabase(label: string): Promise<pg.Client> {
  const name = `${fileUrl.pathname.slice(1)}_${label}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  scratch.push(name);
  const url = new URL(fileUrl);
  url.pathname = `/${name}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  return client;
}
const clients: pg.Client[] = [];
afterAll(async () => {
  await Promise.all(clients.map((c) => c.end()));
  for (const name of scratch) await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
});

/** Everything a schema is made of, as comparable lines. */
async function catalog(client: pg.Client): Promise<string[]> {
  const rows = async (sql: string) => (await client.query({ text: sql, rowMode: "array" })).rows.map((r) => r.join(" | "));
  return [
    ...(await rows(`SELECT table_name, column_name, data_type, is_nullable, coalesce(column_default, '') FROM information_schema.columns
                    WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' ORDER BY 1, 2`)),
    ...(await rows(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY 1`,
    )),
    ...(await rows(`SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace ORDER BY 1`)),
    ...(await rows(`SELECT t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e
                    JOIN pg_type t ON t.oid = e.enumtypid GROUP BY 1 ORDER BY 1`)),
  ];
}

describe("migrations", () => {
  it("applied in order, build the schema schema.prisma describes, plus the index and check Prisma cannot express", async () => {
    const migrated = await freshDatabase("mig_all");
    clients.push(migrated);
    for (const folder of folders) await migrated.query(sqlOf(folder));

    // What Prisma would create from the schema alone (offline: the WebAssembly engine).
    const diff = spawnSync(
      "pnpm",
      ["exec", "prisma", "migrate", "diff", "--from-empty", "--to-schema-datamodel", "prisma/schema.prisma", "--script"],
      {
        cwd: PACKAGE_DIR,
        env: { ...process.env, DATABASE_URL: fileUrl.toString(), CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" },
        encoding: "utf8",
      },
    );
    expect(diff.status, diff.stderr).toBe(0);
    const fromSchema = await freshDatabase("mig_schema");
    clients.push(fromSchema);
    await fromSchema.query(diff.stdout);

    const expected = new Set(await catalog(fromSchema));
    const actual = new Set(await catalog(migrated));
    expect(
      [...expected].filter((line) => !actual.has(line)),
      "in schema.prisma but not built by the migrations",
    ).toEqual([]);
    expect([...actual].filter((line) => !expected.has(line)).map((line) => line.split(" | ")[0])).toEqual([
      // The relay's scan of unsent rows (a partial index) and one owner per stored token.
      "outbox_unsent_idx",
      "run_ships_one_active_idx",
      "threads_accounts_owner_check",
    ]);
  }, 60_000);

  it("keeps every row of a database in use when the Threads publishing migration runs", async () => {
    const db = await freshDatabase("mig_data");
    clients.push(db);
    const index = folders.findIndex((f) => /_threads_publishing$/.test(f));
    expect(index).toBeGreaterThan(0);
    const latest = folders[index] as string;
    for (const folder of folders.slice(0, index)) await db.query(sqlOf(folder));
    await db.query(`INSERT INTO personas (id, name, emoji, temperament, description, hook_prompt, body_prompt, updated_at)
                    VALUES ('ai-old', 'Old', '🙂', 'kind', 'd', 'h {input}', 'b {hook}', now())`);
    await db.query(`INSERT INTO tasks (id, persona_id, input, status, attempts) VALUES
                    ('01900000-0000-7000-8000-000000000001', 'ai-old', 'done before', 'succeeded', 1),
                    ('01900000-0000-7000-8000-000000000002', 'ai-old', 'running before', 'running', 2)`);
    await db.query(`INSERT INTO posts (id, task_id, persona_id, hook, body, text, published_id, published_at) VALUES
                    ('01900000-0000-7000-8000-0000000000a1', '01900000-0000-7000-8000-000000000001', 'ai-old', 'h', 'b', 'h b', '17841', now())`);

    await db.query(sqlOf(latest));

    const tasks = await db.query(`SELECT id, status::text, attempts, deferred_until FROM tasks ORDER BY id`);
    expect(tasks.rows).toEqual([
      { id: "01900000-0000-7000-8000-000000000001", status: "succeeded", attempts: 1, deferred_until: null },
      { id: "01900000-0000-7000-8000-000000000002", status: "running", attempts: 2, deferred_until: null },
    ]);
    const [post] = (
      await db.query(`SELECT published_id, threads_container_id, publish_attempted_at, publish_attempts, permalink FROM posts`)
    ).rows;
    expect(post).toEqual({
      published_id: "17841",
      threads_container_id: null,
      publish_attempted_at: null,
      publish_attempts: 0,
      permalink: null,
    });
    expect((await db.query(`SELECT topics FROM personas WHERE id = 'ai-old'`)).rows[0]).toEqual({ topics: [] });

    // What it adds works: the new state, and one row per media id.
    await db.query(`UPDATE tasks SET status = 'deferred', deferred_until = now() WHERE id = '01900000-0000-7000-8000-000000000002'`);
    await expect(
      db.query(`INSERT INTO posts (id, task_id, persona_id, hook, body, text, published_id) VALUES
                ('01900000-0000-7000-8000-0000000000a2', '01900000-0000-7000-8000-000000000002', 'ai-old', 'h', 'b', 't', '17841')`),
    ).rejects.toThrow(/posts_published_id_key/);
    await expect(
      db.query(`INSERT INTO threads_accounts (id, user_id, token_ciphertext) VALUES ('01900000-0000-7000-8000-0000000000b1', '1', 'x')`),
    ).rejects.toThrow(/threads_accounts_owner_check/);

    // The migrations after it keep the rows too; the engagement one seeds the five hook styles.
    for (const folder of folders.slice(index + 1)) await db.query(sqlOf(folder));
    expect((await db.query(`SELECT count(*)::int AS n FROM posts`)).rows[0]).toEqual({ n: 1 });
    const styles = await db.query(`SELECT key, instruction FROM hook_styles WHERE persona_id IS NULL ORDER BY id`);
    expect(styles.rows.map((r) => r.key)).toEqual(["question", "bold_number", "contrarian", "short_story", "how_to"]);
    // The seeded rows say what the contracts' HOOK_STYLES say (the semicolon escaped in the SQL included).
    expect(styles.rows.map((r) => r.instruction)).toEqual(SEEDED_HOOK_STYLE_IDS.map((id) => HOOK_STYLES[id].instruction));
  });
});
