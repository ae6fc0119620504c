import { z } from "zod";

// Text fields of every request body, query and path: one place that decides which characters text
// may carry. NUL cannot be stored by PostgreSQL (`text` rejects \u0000) and a lone UTF-16 surrogate
// is not Unicode at all (it cannot be encoded as UTF-8 for the database, Redis, a model or Threads),
// so both are refused at the edge with a 400 naming the field instead of failing later as a 500.

export const NUL_MESSAGE = "must not contain NUL characters (\\u0000)";
export const SURROGATE_MESSAGE = "must not contain unpaired UTF-16 surrogates (not valid Unicode)";

/** Why `value` cannot be stored as text, or null when it can. */
export function unsafeTextReason(value: string): string | null {
  if (value.includes("\u0000")) return NUL_MESSAGE;
  if (!value.isWellFormed()) return SURROGATE_MESSAGE;
  return null;
}

/** `schema` (a string schema) refusing NUL and lone surrogates, with the field's own path in the error. */
export function storableText<S extends z.ZodString>(schema: S): S {
  return schema.superRefine((value, ctx) => {
    const reason = unsafeTextReason(value);
    if (reason) ctx.addIssue({ code: "custom", message: reason, input: value, abort: true });
  });
}

export type TextOptions = {
  /** At most this many characters (UTF-16 code units, as JavaScript counts them). */
  max: number;
  /** At least this many characters after trimming; 1 (not empty) unless set; 0 allows empty. */
  min?: number;
  /** Trim surrounding white space first (default true). */
  trim?: boolean;
  /** The message when the value is not a string. */
  typeMessage?: string;
  /** The message when the value is shorter than `min`. */
  minMessage?: string;
  /** The message when the value is longer than `max`. */
  maxMessage?: string;
};

/**
 * A text field of a request: a string, trimmed, 1..max characters, without NUL or lone surrogates.
 * Every request schema's free text goes through this (or `storableText` for a shape of its own).
 */
export function text(options: TextOptions): z.ZodString {
  const min = options.min ?? 1;
  let schema = z.string({ message: options.typeMessage ?? "expected a string" });
  schema = storableText(schema);
  if (options.trim !== false) schema = schema.trim();
  if (min > 0) schema = schema.min(min, options.minMessage ?? (min === 1 ? "must not be empty" : `at least ${min} characters`));
  return schema.max(options.max, options.maxMessage ?? `at most ${options.max} characters`);
}
