// Runs in the migrate image after `prisma migrate deploy`: inserts the default personas when they
// are missing (an upsert that never overwrites a persona someone edited).
import { createDb, seedPersonas } from "./dist/index.js";

const db = createDb(process.env.DATABASE_URL);
try {
  await seedPersonas(db);
  console.log("default personas present");
} finally {
  await db.$disconnect();
}
