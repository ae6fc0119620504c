import { z } from "zod";
import { Engagement } from "./engagement.ts";
import { PersonaId, Timestamp, Uuid } from "./ids.ts";
import { fitsThreads, THREADS_MAX_CHARS, threadsLength } from "./threads-text.ts";

export const Post = z
  .object({
    id: Uuid,
    task_id: Uuid,
    persona_id: PersonaId,
    hook: z.string(),
    body: z.string(),
    /** At most 500 as Threads counts them (threadsLength: emoji count as their UTF-8 bytes), not String.length. */
    text: z
      .string()
      .refine(fitsThreads, {
        error: (issue) =>
          `${threadsLength(String(issue.input))} characters as Threads counts them (emoji count as their UTF-8 bytes); the limit is ${THREADS_MAX_CHARS}`,
      })
      .meta({ description: `At most ${THREADS_MAX_CHARS} characters as Threads counts them: emoji count as their UTF-8 bytes` }),
    /** The Threads media id once published. */
    published_id: z.string().nullable(),
    /** The post on threads.net, read back after publishing (null until then, or if Threads gave none). */
    permalink: z.string().nullable(),
    /** When Threads published it (its own timestamp). */
    published_at: Timestamp.nullable(),
    /** The hook style the hook step chose (Thompson sampling over the persona's styles); null for older posts. */
    hook_style: z.string().nullable(),
    /** The latest insights read back from Threads (INSIGHTS_SCHEDULE); null until the first reading. */
    engagement: Engagement.nullable(),
    created_at: Timestamp,
  })
  .meta({ id: "Post" });
export type Post = z.infer<typeof Post>;

export const PostListQuery = z.object({ persona_id: PersonaId.optional() });
