export type {
  LlmCall as LlmCallRow,
  Persona as PersonaRow,
  Post as PostRow,
  RunStatus as RunStatusValue,
  Task as TaskRow,
  TaskStatus as TaskStatusValue,
  ThreadsAccount as ThreadsAccountRow,
  VariationStatus as VariationStatusValue,
} from "@prisma/client";
export { $Enums, Prisma } from "@prisma/client";
export { createDb, DatabaseUnreachable, type Db, type RawSql, rawSql } from "./client.ts";
export { isDatabaseUnavailable, isForeignKeyViolation, isUniqueViolation, sqlStateOf } from "./errors.ts";
export * from "./lifecycle/index.ts";
export {
  PERSONA_WITH_ACCOUNT,
  type PersonaWithAccount,
  type TaskWithPost,
  toLlmCallRow,
  toPersona,
  toPost,
  toTask,
} from "./mappers.ts";
export { ensureDatabase, migrateDatabase } from "./migrate.ts";
export { DEFAULT_PERSONAS, seedPersonas } from "./personas-seed.ts";
export * from "./repositories/engagement.ts";
export * from "./repositories/posts.ts";
export * from "./repositories/runs.ts";
export * from "./repositories/tasks.ts";
export * from "./repositories/threads-accounts.ts";
export * from "./repositories/trends.ts";
export * from "./run-mappers.ts";
