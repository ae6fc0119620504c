import type { FieldError } from "@threads-agent/contracts";
import { recordRoutes } from "@threads-agent/observability";
import type { FastifyInstance, FastifySchemaCompiler } from "fastify";
import { serializerCompiler } from "fastify-type-provider-zod";
import type { z } from "zod";
import { ValidationFailed } from "./errors.ts";

/** Where a value came from, as a field error names it. */
export type RequestPart = "body" | "query" | "params" | "headers";

const PARTS: Record<string, RequestPart> = { body: "body", querystring: "query", params: "params", headers: "headers" };

/** A client's key as an error names it: long ones cut, so an error never grows with the input. */
const clip = (key: string) => (key.length > 64 ? `${key.slice(0, 64)}…` : key);

/**
 * Zod issues as field errors in the API's one wording style: the path of the field (`persona_id`,
 * `variations.1.temperature`), "is required" for a missing one, "unknown field" for an extra one.
 * The messages themselves come from the schemas or the contracts' error map (never zod's defaults).
 */
export function fieldErrors(error: z.ZodError, part: RequestPart): FieldError[] {
  return error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const prefix = [part === "body" ? "" : part, ...issue.path.map(String).map(clip)].filter(Boolean).join(".");
      const keys = issue.keys.slice(0, 10).map(clip);
      const more = issue.keys.length > keys.length ? ` and ${issue.keys.length - keys.length} more` : "";
      return {
        field: keys.map((k) => (prefix ? `${prefix}.${k}` : k)).join(", ") || "(body)",
        message: `unknown field ${keys.map((k) => JSON.stringify(k)).join(", ")}${more}`,
      };
    }
    const path = issue.path.map(String).map(clip).join(".");
    const message = issue.code === "invalid_type" && issue.input === undefined ? "is required" : issue.message;
    return { field: path || (part === "body" ? "(body)" : part), message };
  });
}

/**
 * Fastify's validator for zod route schemas (fastify-type-provider-zod's own would answer with
 * zod's issue list): a failure is a ValidationFailed, which the common error handler turns into a
 * 400 problem+json naming each field.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => {
  const part = PARTS[httpPart ?? "body"] ?? "body";
  return (data: unknown) => {
    // Fastify hands a missing body over as null.
    const value = data === null && part === "body" ? undefined : data;
    const result = schema.safeParse(value, { reportInput: true });
    if (result.success) return { value: result.data };
    if (value === undefined && part === "body")
      return { error: new ValidationFailed([{ field: "(body)", message: "a JSON body is required" }]) };
    return { error: new ValidationFailed(fieldErrors(result.error, part)) };
  };
};

/** Zod schemas on every route of `app`: requests validated as above, responses serialised (and checked) by theirs. */
export function useZodSchemas(app: FastifyInstance): void {
  // The first thing a service does with its app: from here on its routes are listed (routesOf).
  recordRoutes(app);
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
}

/**
 * Validates a value that is not one of a route's declared parts (a union decided at run time, a
 * body read by hand): the same field errors as route schemas give. Routes declare their schemas
 * instead; this is for the few places that cannot.
 */
export function validate<S extends z.ZodType>(schema: S, value: unknown, part: RequestPart): z.output<S> {
  const input = value === null && part === "body" ? undefined : value;
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  if (input === undefined && part === "body") throw new ValidationFailed([{ field: "(body)", message: "a JSON body is required" }]);
  throw new ValidationFailed(fieldErrors(result.error, part));
}
