import { z } from "zod";
import { PersonaId, Timestamp } from "./ids.ts";

export const Temperament = z.enum(["kind", "hype", "calm", "witty", "blunt"]);
export type Temperament = z.infer<typeof Temperament>;

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
