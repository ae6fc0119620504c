import { parse, ValidationFailed } from "@threads-agent/http";
import type { z } from "zod";

type Where = "body" | "query" | "params";

/**
 * `parse()` from @threads-agent/http with one correction: it decides "is required" from
 * `issue.input`, which zod 4 leaves out unless asked, so a present field of the wrong type (say
 * `"persona_id": 42`) would read "is required". Such messages get zod's own back here.
 */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, where: Where): z.output<S> {
  try {
    return parse(schema, value, where);
  } catch (err) {
    if (!(err instanceof ValidationFailed) || !err.errors) throw err;
    const result = schema.safeParse(value ?? (where === "body" ? undefined : {}));
    if (result.success || result.error.issues.length !== err.errors.length) throw err;
    let changed = false;
    const errors = err.errors.map((fieldError, i) => {
      const issue = result.error.issues[i] as z.core.$ZodIssue;
      if (fieldError.message !== "is required" || valueAt(value, issue.path) === undefined) return fieldError;
      changed = true;
      return { field: fieldError.field, message: issue.message };
    });
    throw changed ? new ValidationFailed(errors) : err;
  }
}

function valueAt(value: unknown, path: PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
