import type { z } from "zod";
import { ValidationFailed } from "./errors.ts";

/**
 * Validates with a contract schema; failures name each field (`input`, `query.limit`,
 * `body.persona_id` style paths are left to `where`).
 */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where?: "body" | "query" | "params" | "headers"): z.output<S> {
  // reportInput: zod 4 omits issue.input otherwise, and "is required" is decided from it.
  const result = schema.safeParse(value ?? (where === "body" ? undefined : {}), { reportInput: true });
  if (result.success) return result.data;
  const errors = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join(".");
    let message = issue.message;
    if (issue.code === "invalid_type" && issue.input === undefined) message = "is required";
    if (issue.code === "unrecognized_keys") {
      return {
        field: [where === "body" ? "" : where, ...issue.keys].filter(Boolean).join(".") || "(body)",
        message: `unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}`,
      };
    }
    return { field: path || (where === "body" ? "(body)" : (where ?? "(value)")), message };
  });
  if (value === undefined && where === "body") throw new ValidationFailed([{ field: "(body)", message: "a JSON body is required" }]);
  throw new ValidationFailed(errors);
}
