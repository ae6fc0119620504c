import { AppError } from "@threads-agent/http";
import type { FastifyInstance } from "fastify";

/**
 * JSON is the only body the API takes. Unlike Fastify's default parser this one lets an empty
 * body through as "no body" (clients often send `Content-Type: application/json` on bodiless
 * POSTs like cancel), says where malformed JSON breaks, and drops the text/plain parser so a
 * wrong content type gets 415 instead of a confusing validation error.
 */
export function registerJsonBody(app: FastifyInstance): void {
  const safeParse = app.getDefaultJsonParser("error", "error");
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = body as string;
    if (text.trim() === "") return done(null, undefined);
    safeParse(request, text, (err: Error | null, value: unknown) => (err ? done(malformed(text), undefined) : done(null, value)));
  });
}

function malformed(text: string): AppError {
  // The safe parser only says "invalid"; V8's message names the offending token and position.
  let reason = "__proto__ and constructor.prototype keys are not allowed";
  try {
    JSON.parse(text);
  } catch (syntax) {
    reason = syntax instanceof Error ? syntax.message : String(syntax);
  }
  return new AppError(400, "malformed-json", "Malformed JSON", `The body is not valid JSON: ${reason}`, [
    { field: "(body)", message: reason },
  ]);
}
