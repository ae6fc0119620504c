// Runs before each test file: a database of the file's own, copied from the run's migrated and
// seeded template (fast: no migrations), so a sweeper or a count in one file never sees another
// file's rows. Dropped with the rest in global-setup's teardown.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { inject } from "vitest";

const template = inject("databaseTemplate");
const url = new URL(inject("databaseAdminUrl"));
const name = `${template.replace(/_tpl$/, "")}_${randomBytes(4).toString("hex")}`;
const admin = new pg.Client({ connectionString: url.toString() });
await admin.connect();
try {
  await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
} finally {
  await admin.end();
}
url.pathname = `/${name}`;
process.env.THREADS_AGENT_TEST_DATABASE_URL = url.toString();
