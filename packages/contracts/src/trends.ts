import { z } from "zod";
import { PersonaId, Timestamp, Uuid } from "./ids.ts";
import { text } from "./text.ts";

export const FEED_URL_MAX_CHARS = 2048;

/** POST /v1/trend-sources: an RSS 2.0 or Atom feed the persona takes trends from. */
export const CreateTrendSource = z
  .strictObject({
    persona_id: PersonaId,
    url: text({ max: FEED_URL_MAX_CHARS, typeMessage: "expected an http(s) URL" }).meta({
      description: "An RSS 2.0 or Atom feed on a public address (http or https)",
    }),
  })
  .meta({ id: "CreateTrendSource" });
export type CreateTrendSource = z.infer<typeof CreateTrendSource>;

export const TrendSource = z
  .object({
    id: Uuid,
    persona_id: PersonaId,
    url: z.string(),
    /** The feed's own title, once read. */
    title: z.string().nullable(),
    last_polled_at: Timestamp.nullable(),
    /** Why the last poll failed; null after a success. */
    last_error: z.string().nullable(),
    /** Items stored from it so far. */
    trends: z.number().int(),
    created_at: Timestamp,
  })
  .meta({ id: "TrendSource" });
export type TrendSource = z.infer<typeof TrendSource>;

/** What a poll of one source did. */
export const TrendPoll = z
  .object({
    source: TrendSource,
    /** Items in the feed. */
    fetched: z.number().int(),
    /** Items stored now (the rest were stored by an earlier poll). */
    added: z.number().int(),
  })
  .meta({ id: "TrendPoll" });
export type TrendPoll = z.infer<typeof TrendPoll>;

export const Trend = z
  .object({
    id: Uuid,
    persona_id: PersonaId,
    /** Null once its source was deleted. */
    source_id: Uuid.nullable(),
    /** The item's guid (RSS) or id (Atom), else its link. */
    guid: z.string(),
    title: z.string(),
    link: z.string().nullable(),
    summary: z.string().nullable(),
    published_at: Timestamp.nullable(),
    fetched_at: Timestamp,
    /** When a task took it; null: unused. */
    used_at: Timestamp.nullable(),
    task_id: Uuid.nullable(),
  })
  .meta({ id: "Trend" });
export type Trend = z.infer<typeof Trend>;

const flag = z
  .enum(["true", "false"], { message: "expected true or false" })
  .transform((v) => v === "true")
  .optional();

export const TrendSourceListQuery = z.object({ persona_id: PersonaId.optional() });
export const TrendListQuery = z.object({
  persona_id: PersonaId.optional(),
  /** true: only trends no task has taken yet, freshest first. */
  unused: flag,
});
