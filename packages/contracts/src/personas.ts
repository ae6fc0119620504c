import { z } from "zod";
import { PersonaId, Timestamp } from "./ids.ts";
import { text as textField } from "./text.ts";

export const Temperament = z.enum(["kind", "hype", "calm", "witty", "blunt"]);
export type Temperament = z.infer<typeof Temperament>;

/** The Threads account a persona publishes as, when one is linked (never its token). */
export const ThreadsAccountView = z
  .object({
    username: z.string().nullable(),
    user_id: z.string(),
    /** When the stored long-lived token expires; the worker refreshes it about a week before. Null when Threads did not say. */
    token_expires_at: Timestamp.nullable(),
  })
  .meta({ id: "ThreadsAccount" });
export type ThreadsAccountView = z.infer<typeof ThreadsAccountView>;

/**
 * When the persona posts on its own: at each slot of `cron` (5 fields, or 6 with seconds first) in
 * `timezone` (IANA), a task is created from its freshest unused trend; `review: true` stops each
 * at awaiting_review. The orchestrator checks the pattern and zone with the cron parser.
 */
export const PersonaSchedule = z
  .strictObject({
    cron: textField({ max: 200, typeMessage: 'expected a cron pattern like "0 9 * * 1-5"' }).meta({
      description: "Cron pattern: minute hour day month weekday, optionally a seconds field first",
    }),
    timezone: textField({ max: 64, typeMessage: "expected an IANA time zone like Europe/Paris" }).default("UTC"),
    review: z.boolean({ message: "expected true or false" }).default(false),
  })
  .meta({ id: "PersonaSchedule" });
export type PersonaSchedule = z.infer<typeof PersonaSchedule>;

export const PERSONA_TOPICS_MAX = 50;
export const PERSONA_TOPIC_MAX_CHARS = 300;

export const Persona = z
  .object({
    id: PersonaId,
    name: z.string(),
    emoji: z.string(),
    temperament: Temperament,
    description: z.string(),
    hook_prompt: z.string(),
    body_prompt: z.string(),
    hook_model: z.string().nullable(),
    body_model: z.string().nullable(),
    /** What the persona writes about when a task names no input (the original `POST /task {persona_id, task_type}`). */
    topics: z.array(z.string()),
    /** The persona's own Threads account; null: it publishes as the default account (THREADS_ACCESS_TOKEN). */
    threads_account: ThreadsAccountView.nullable(),
    /** Its posting schedule; null: tasks only when someone creates them. */
    schedule: PersonaSchedule.nullable(),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: "Persona" });
export type Persona = z.infer<typeof Persona>;

/** What persona-runtime needs of a persona (the worker sends it with each request). */
export const PersonaSpec = Persona.pick({
  id: true,
  name: true,
  emoji: true,
  temperament: true,
  description: true,
  hook_prompt: true,
  body_prompt: true,
  hook_model: true,
  body_model: true,
});
export type PersonaSpec = z.infer<typeof PersonaSpec>;

export const PERSONA_NAME_MAX_CHARS = 80;
export const PERSONA_DESCRIPTION_MAX_CHARS = 1000;
export const PERSONA_PROMPT_MAX_CHARS = 4000;
/** persona-runtime frames the hook with the emoji twice; a ZWJ family sequence fits, a sentence does not. */
export const PERSONA_EMOJI_MAX_CHARS = 16;

const text = (max: number) => textField({ max });

const prompt = (placeholder: "input" | "hook", why: string) =>
  text(PERSONA_PROMPT_MAX_CHARS).refine((v) => v.includes(`{${placeholder}}`), `must contain {${placeholder}}, ${why}`);

/**
 * A model override as a persona stores it: `provider/model` (openai, anthropic, offline; bare
 * gpt-* and claude-* names are read as OpenAI and Anthropic), or null for the service's default.
 * The shape is checked here; the orchestrator checks the id with the LLM layer's own parser.
 */
const modelOverride = textField({
  max: 160,
  typeMessage: "expected a model id like openai/gpt-4o-mini, or null",
  minMessage: "must not be empty; use null for the service's default",
})
  .nullable()
  .meta({ description: "`provider/model`, e.g. `openai/gpt-4o-mini` or `anthropic/claude-haiku-4-5`; null: the service's default" });

// What a user may set on a persona; `id` is chosen once at creation (tasks refer to it).
const personaFields = {
  name: text(PERSONA_NAME_MAX_CHARS),
  emoji: textField({ max: PERSONA_EMOJI_MAX_CHARS, maxMessage: `at most ${PERSONA_EMOJI_MAX_CHARS} characters (one emoji)` }).refine(
    (v) => !/\s/.test(v),
    "one emoji, without spaces",
  ),
  temperament: Temperament,
  description: textField({ max: PERSONA_DESCRIPTION_MAX_CHARS, min: 0 }),
  hook_prompt: prompt("input", "where the task's input goes"),
  body_prompt: prompt("hook", "so the body continues the hook it follows"),
  hook_model: modelOverride,
  body_model: modelOverride,
  topics: z
    .array(text(PERSONA_TOPIC_MAX_CHARS), { message: "expected a list of topics" })
    .max(PERSONA_TOPICS_MAX, `at most ${PERSONA_TOPICS_MAX} topics`),
  /** null removes the schedule. */
  schedule: PersonaSchedule.nullable(),
};

/** POST /v1/personas: a new persona, usable by tasks at once (no deploy). */
export const CreatePersona = z
  .strictObject({
    id: PersonaId,
    ...personaFields,
    description: personaFields.description.default(""),
    hook_model: modelOverride.default(null),
    body_model: modelOverride.default(null),
    topics: personaFields.topics.default([]),
    schedule: personaFields.schedule.default(null),
  })
  .meta({ id: "CreatePersona" });
export type CreatePersona = z.infer<typeof CreatePersona>;

/** PATCH /v1/personas/:id: the fields to change (at least one); a model set to null returns to the service's default. */
export const UpdatePersona = z
  .strictObject(personaFields)
  .partial()
  .refine((v) => Object.values(v).some((field) => field !== undefined), { message: "name at least one field to change" })
  .meta({ id: "UpdatePersona" });
export type UpdatePersona = z.infer<typeof UpdatePersona>;

/** PUT /v1/personas/:id/threads-account: the persona publishes as this token's Threads account from now on. */
export const LinkThreadsAccount = z
  .strictObject({
    access_token: textField({ max: 4096, typeMessage: "expected a Threads access token (a string)" }).meta({
      description: "A long-lived Threads user access token; stored encrypted, never shown again",
    }),
  })
  .meta({ id: "LinkThreadsAccount" });
export type LinkThreadsAccount = z.infer<typeof LinkThreadsAccount>;
