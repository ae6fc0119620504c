import { ListQuery, PersonaId, PostListQuery, TaskListQuery, Uuid } from "@threads-agent/contracts";
import { z } from "zod";

// Request shapes as the orchestrator enforces them: the contracts' schemas, made strict so a
// misspelt parameter is an error naming it rather than silently ignored.

export const IdParams = z.strictObject({ id: Uuid });
export const PersonaParams = z.strictObject({ id: PersonaId });

/** Routes without query parameters still reject them: a misplaced `?last_event_id=` should not pass silently. */
export const NoQuery = z.strictObject({});

/** Retry and cancel take no body; an empty one or `{}` is fine. */
export const NoBody = z.strictObject({}).optional();

const CURSOR_HINT = "expected the next_cursor of a previous page";
const idCursor = z.uuid({ message: CURSOR_HINT }).optional();

export const TaskListParams = z.strictObject({ ...ListQuery.shape, ...TaskListQuery.shape, cursor: idCursor });
export const PostListParams = z.strictObject({ ...ListQuery.shape, ...PostListQuery.shape, cursor: idCursor });
export const PersonaListParams = z.strictObject({ ...ListQuery.shape, cursor: PersonaId.optional() });

export const EventsQuery = z.strictObject({
  last_event_id: z.string().max(64).optional(),
  access_token: z.string().max(512).optional(),
});

/** The page after `items`, when there is one: the query fetched `limit + 1` rows to know. */
export function pageOf<T extends { id: string }>(rows: T[], limit: number): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  return { items, next_cursor: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
}
