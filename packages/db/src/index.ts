export type { LlmCall as LlmCallRow, Persona as PersonaRow, Post as PostRow, Task as TaskRow } from "@prisma/client";
export { Prisma } from "@prisma/client";
export { createDb, type Db } from "./client.ts";
export { type TaskWithPost, toLlmCallRow, toPersona, toPost, toTask } from "./mappers.ts";
export { ensureDatabase, migrateDatabase } from "./migrate.ts";
export { DEFAULT_PERSONAS, seedPersonas } from "./personas-seed.ts";
export * from "./run-mappers.ts";
