// The Threads Graph API (graph.threads.net/v1.0) as far as threads-agent uses it: the shapes of
// its responses, shared by the client (packages/threads, which parses every answer with them) and
// by fake-threads (whose tests check its answers against them). docs/threads-api.md says where
// each shape comes from in Meta's documentation.
import { z } from "zod";

/** Every Graph error: `{"error": {...}}` with a numeric code, often a subcode, and a trace id. */
export const GraphErrorBody = z.object({
  message: z.string(),
  type: z.string().optional(),
  code: z.number().int(),
  error_subcode: z.number().int().optional(),
  is_transient: z.boolean().optional(),
  error_user_title: z.string().optional(),
  error_user_msg: z.string().optional(),
  fbtrace_id: z.string().optional(),
});
export type GraphErrorBody = z.infer<typeof GraphErrorBody>;
export const GraphErrorEnvelope = z.object({ error: GraphErrorBody });
export type GraphErrorEnvelope = z.infer<typeof GraphErrorEnvelope>;

/** `{"id": "..."}`: what container creation and threads_publish answer. */
export const GraphId = z.object({ id: z.string().min(1) });

export const CONTAINER_STATUSES = ["IN_PROGRESS", "FINISHED", "PUBLISHED", "ERROR", "EXPIRED"] as const;
export const ContainerStatusName = z.enum(CONTAINER_STATUSES);
export type ContainerStatusName = z.infer<typeof ContainerStatusName>;

/** `GET /{container-id}?fields=status,error_message`. */
export const GraphContainer = z.object({
  id: z.string(),
  status: ContainerStatusName,
  error_message: z.string().optional(),
});
export type GraphContainer = z.infer<typeof GraphContainer>;

/** `GET /me?fields=id,username,...` (and `GET /{user-id}`). */
export const GraphUser = z.object({
  id: z.string(),
  username: z.string().optional(),
  name: z.string().optional(),
  threads_profile_picture_url: z.string().optional(),
  threads_biography: z.string().optional(),
});
export type GraphUser = z.infer<typeof GraphUser>;

/** A Threads media object (a published post) with the fields asked for; only `id` is always there. */
export const GraphMedia = z.object({
  id: z.string(),
  media_product_type: z.string().optional(),
  media_type: z.string().optional(),
  permalink: z.string().optional(),
  owner: z.object({ id: z.string() }).optional(),
  username: z.string().optional(),
  text: z.string().optional(),
  /** ISO 8601 with a numeric offset, as Graph writes it: `2023-10-17T05:42:03+0000`. */
  timestamp: z.string().optional(),
  shortcode: z.string().optional(),
  is_quote_post: z.boolean().optional(),
});
export type GraphMedia = z.infer<typeof GraphMedia>;

/** Cursor paging of Graph lists: cursors always, `next`/`previous` URLs when there is such a page. */
export const GraphPaging = z.object({
  cursors: z.object({ before: z.string().optional(), after: z.string().optional() }).optional(),
  next: z.string().optional(),
  previous: z.string().optional(),
});

/** `GET /{user-id}/threads`: the user's posts, newest first. */
export const GraphMediaPage = z.object({ data: z.array(GraphMedia), paging: GraphPaging.optional() });
export type GraphMediaPage = z.infer<typeof GraphMediaPage>;

/** `GET /{user-id}/threads_publishing_limit?fields=quota_usage,config`. */
export const GraphPublishingLimit = z.object({
  data: z.array(
    z.object({
      quota_usage: z.number().int().optional(),
      config: z.object({ quota_total: z.number().int(), quota_duration: z.number().int() }).optional(),
    }),
  ),
});
export type GraphPublishingLimit = z.infer<typeof GraphPublishingLimit>;

export const THREADS_MEDIA_METRICS = ["views", "likes", "replies", "reposts", "quotes", "shares"] as const;
export type ThreadsMediaMetric = (typeof THREADS_MEDIA_METRICS)[number];

/** One insights metric: `values` for lifetime media metrics and time series, `total_value` for user totals. */
export const GraphInsight = z.object({
  name: z.string(),
  period: z.string(),
  values: z.array(z.object({ value: z.number(), end_time: z.string().optional() })).optional(),
  total_value: z.object({ value: z.number() }).optional(),
  title: z.string().optional(),
  description: z.string().optional(),
  id: z.string().optional(),
});
export type GraphInsight = z.infer<typeof GraphInsight>;

/** `GET /{media-id}/insights` and `GET /{user-id}/threads_insights`. */
export const GraphInsights = z.object({ data: z.array(GraphInsight) });
export type GraphInsights = z.infer<typeof GraphInsights>;

/** `GET {host}/refresh_access_token?grant_type=th_refresh_token` (and the long-lived exchange). */
export const GraphTokenGrant = z.object({
  access_token: z.string().min(1),
  token_type: z.string(),
  /** Seconds until the new token expires (about 60 days). */
  expires_in: z.number().int(),
});
export type GraphTokenGrant = z.infer<typeof GraphTokenGrant>;

/** `GET /debug_token?input_token=`: metadata about a token; times are Unix seconds. */
export const GraphDebugToken = z.object({
  data: z.object({
    type: z.string().optional(),
    application: z.string().optional(),
    data_access_expires_at: z.number().optional(),
    expires_at: z.number(),
    is_valid: z.boolean(),
    issued_at: z.number().optional(),
    scopes: z.array(z.string()).optional(),
    user_id: z.string().optional(),
  }),
});
export type GraphDebugToken = z.infer<typeof GraphDebugToken>;
