import { ListQuery, PersonaId, PostListQuery, Problem, storableText, TaskListQuery, Uuid } from "@threads-agent/contracts";
import { z } from "zod";

// Request and response shapes as the orchestrator's routes declare them (validation, types and the
// OpenAPI document all come from these): the contracts' schemas, made strict so a misspelt
// parameter is an error naming it rather than silently ignored.

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
  last_event_id: storableText(z.string().max(64))
    .optional()
    .meta({ description: "Resume after this event id (EventSource sends Last-Event-ID itself)" }),
  access_token: storableText(z.string().max(512))
    .optional()
    .meta({ description: "The API key, for EventSource, which cannot send headers" }),
});

/** Idempotency-Key, documented on every mutating route (validated by IdempotencyKeys, which names it in errors). */
export const IdempotencyHeaders = z.looseObject({
  "idempotency-key": storableText(z.string())
    .optional()
    .meta({ description: "Retries with the same key return the first result instead of acting twice (kept 24 h); 1-255 printable ASCII" }),
});

/** A page of items and the cursor of the next one. */
export const pageSchema = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), next_cursor: z.string().nullable() });

/** The page after `items`, when there is one: the query fetched `limit + 1` rows to know. */
export function pageOf<T extends { id: string }>(rows: T[], limit: number): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  return { items, next_cursor: rows.length > limit ? (items[items.length - 1]?.id ?? null) : null };
}

const PROBLEM_DESCRIPTIONS = {
  400: "Invalid request (field-level `errors`)",
  401: "Missing or invalid API key",
  404: "Not found",
  409: "Not allowed in the current state, or a request with the same Idempotency-Key is still in progress",
  413: "Body too large",
  415: "Not JSON",
  422: "Unprocessable: a reference that does not exist, or an Idempotency-Key reused with a different body",
  429: "Too many requests: wait for Retry-After",
  503: "Redis or the database is unreachable; retry later",
} as const;
export type ProblemStatus = keyof typeof PROBLEM_DESCRIPTIONS;

/** Error responses as RFC 9457 problem+json, for a route's `response` schema. */
export function problems(...statuses: ProblemStatus[]) {
  const out: Record<number, { description: string; content: { "application/problem+json": { schema: typeof Problem } } }> = {};
  for (const status of statuses)
    out[status] = { description: PROBLEM_DESCRIPTIONS[status], content: { "application/problem+json": { schema: Problem } } };
  return out;
}

/** What every /v1 route may answer besides its own: bad input, no key, rate limited, a dependency down. */
export const COMMON_PROBLEMS = [400, 401, 429, 503] as const;

export const sseResponse = {
  description: "Server-Sent Events; each `data:` is one flat JSON event, `id:` resumes with Last-Event-ID",
  content: { "text/event-stream": { schema: z.string() } },
};
