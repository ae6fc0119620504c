import { z } from "zod";
import { THREADS_MAX_CHARS } from "./posts.ts";

/**
 * fake-threads' own pre-Graph contract (`POST /publish` with an Idempotency-Key, `GET /published?limit=`).
 * @deprecated Kept while the worker still publishes this way; it goes when the worker moves to the
 * Graph API (packages/threads). Graph shapes are in threads-graph.ts.
 */
export const PublishRequest = z.strictObject({
  text: z.string().min(1, "must not be empty").max(THREADS_MAX_CHARS, `at most ${THREADS_MAX_CHARS} characters`),
  persona_id: z.string().min(1).max(64).optional(),
  reply_to_id: z.string().max(64).optional(),
});
export type PublishRequest = z.infer<typeof PublishRequest>;

export const PublishedPost = z.object({
  id: z.string(),
  text: z.string(),
  persona_id: z.string().nullable(),
  idempotency_key: z.string().nullable(),
  published_at: z.string(),
});
export type PublishedPost = z.infer<typeof PublishedPost>;

export const Insights = z.object({
  id: z.string(),
  views: z.number().int(),
  likes: z.number().int(),
  replies: z.number().int(),
  reposts: z.number().int(),
  quotes: z.number().int(),
  engagement_rate: z.number(),
});
export type Insights = z.infer<typeof Insights>;
