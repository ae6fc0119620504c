// `node packages/db/src/seed-cli.ts`: creates the database if missing (local only), applies
// migrations, and inserts the default personas. The chart's migration hook runs the same steps.
import { createDb } from "./client.ts";
import { ensureDatabase, migrateDatabase } from "./migrate.ts";
import { seedPersonas } from "./personas-seed.ts";

const url = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/threads_agent";
const steps = new Set(process.argv.slice(2).length ? process.argv.slice(2) : ["create", "migrate", "seed"]);
const where = new URL(url);
where.password = where.password ? "***" : "";

if (steps.has("create") && (await ensureDatabase(url))) console.log(`created database ${where.pathname.slice(1)} on ${where.host}`);
if (steps.has("migrate")) await migrateDatabase(url);
if (steps.has("seed")) {
  const db = createDb(url);
  await seedPersonas(db);
  await db.$disconnect();
}
console.log(`database ready: ${where.toString()}`);
