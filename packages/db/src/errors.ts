import { Prisma } from "@prisma/client";
import pg from "pg";
import { DatabaseUnreachable } from "./client.ts";

// Errors are classified by their codes and classes, never by message text: Prisma's own codes, the
// pg driver adapter's error kinds, and PostgreSQL's SQLSTATE.
const UNREACHABLE_PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017", "P2024", "P2028"]);
const UNREACHABLE_ADAPTER_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
  "TlsConnectionError",
]);
// SQLSTATE class 08 (connection exception) and the server going away or refusing new work.
const UNREACHABLE_SQLSTATES = new Set(["57P01", "57P02", "57P03", "53300"]);

type AdapterCause = { kind?: string; code?: string; originalCode?: string };

/** The pg driver adapter's description of a failure, wherever Prisma put it. */
function adapterCause(err: unknown): AdapterCause | undefined {
  if (!(err instanceof Error)) return undefined;
  const meta = (err as { meta?: { driverAdapterError?: { cause?: AdapterCause } } }).meta;
  if (meta?.driverAdapterError?.cause) return meta.driverAdapterError.cause;
  if (err.name === "DriverAdapterError") return (err as { cause?: AdapterCause }).cause;
  return undefined;
}

/** The PostgreSQL SQLSTATE of a failed statement, when the server sent one. */
export function sqlStateOf(err: unknown): string | undefined {
  // The raw path (client.ts rawSql): pg's own error, with the server's SQLSTATE.
  if (err instanceof pg.DatabaseError) return err.code;
  const cause = adapterCause(err);
  const code = cause?.originalCode ?? cause?.code;
  return code && code !== "N/A" ? code : undefined;
}

/** True when the database could not be reached or went away mid-statement: a 503, or a retry later. */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (err instanceof Prisma.PrismaClientInitializationError || err instanceof DatabaseUnreachable) return true;
  if (err instanceof pg.DatabaseError) return isUnreachableState(err.code);
  if (err instanceof Prisma.PrismaClientKnownRequestError && UNREACHABLE_PRISMA_CODES.has(err.code)) return true;
  const cause = adapterCause(err);
  if (!cause) return false;
  if (cause.kind && UNREACHABLE_ADAPTER_KINDS.has(cause.kind)) return true;
  if (cause.kind !== "postgres") return false;
  const state = sqlStateOf(err);
  // No SQLSTATE means the client failed before the server answered (a dropped connection).
  return state === undefined || isUnreachableState(state);
}

const isUnreachableState = (state: string | undefined) => !!state && (state.startsWith("08") || UNREACHABLE_SQLSTATES.has(state));

export function isUniqueViolation(err: unknown): boolean {
  if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") return true;
  return adapterCause(err)?.kind === "UniqueConstraintViolation" || (err instanceof pg.DatabaseError && err.code === "23505");
}

export function isForeignKeyViolation(err: unknown): boolean {
  if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2003") return true;
  return adapterCause(err)?.kind === "ForeignKeyConstraintViolation" || (err instanceof pg.DatabaseError && err.code === "23503");
}
