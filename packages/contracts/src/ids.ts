import { randomBytes } from "node:crypto";
import { z } from "zod";

/**
 * UUIDv7: time-ordered, so ids sort by creation and serve directly as pagination cursors; also a
 * valid BullMQ job id (no ':').
 */
export function newId(now = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(now, 0, 6);
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const Uuid = z.uuid({ message: "expected a UUID" });

/** Persona ids are slugs: readable in URLs, metrics labels and logs. */
export const PersonaId = z
  .string()
  .min(1, "must not be empty")
  .max(64, "at most 64 characters")
  .regex(/^[a-z0-9][a-z0-9-]*$/, "lowercase letters, digits and '-' only");

export const Timestamp = z.iso.datetime({ offset: true });

/** Variations of a run are numbered from 0. */
export const VariationIndex = z.number().int().min(0);
