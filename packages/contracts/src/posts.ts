import { z } from "zod";
import { PersonaId, Timestamp, Uuid } from "./ids.ts";

/** Threads rejects posts longer than this. */
export const THREADS_MAX_CHARS = 500;

export const Post = z
  .object({
    id: Uuid,
    task_id: Uuid,
    persona_id: PersonaId,
    hook: z.string(),
    body: z.string(),
    text: z.string().max(THREADS_MAX_CHARS),
    published_id: z.string().nullable(),
    created_at: Timestamp,
  })
  .meta({ id: "Post" });
export type Post = z.infer<typeof Post>;

export const PostListQuery = z.object({ persona_id: PersonaId.optional() });
