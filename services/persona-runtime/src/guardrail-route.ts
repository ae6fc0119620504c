import { GuardrailCheck, GuardrailVerdict, Problem } from "@threads-agent/contracts";
import { ServiceUnavailable } from "@threads-agent/http";
import { LlmError, type Moderator } from "@threads-agent/llm";
import type { FastifyInstance } from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { createGuardrail, moderationVerdict } from "./guardrail.ts";

/**
 * POST /v1/guardrail: the pipeline's guardrail (the blocklist, then moderation when an OpenAI key
 * is set) on one finished text, for a reviewer's edit before it is approved. 503 when moderation
 * cannot be had: nothing is approved unchecked.
 */
export function registerGuardrailRoute(
  app: FastifyInstance,
  options: { blocklist: RegExp; moderator: Moderator | null; timeoutMs: number },
): void {
  const guard = createGuardrail(options.blocklist);
  const problem = { content: { "application/problem+json": { schema: Problem } } };
  app.withTypeProvider<ZodTypeProvider>().post(
    "/v1/guardrail",
    {
      schema: {
        summary: "Check one text with the pipeline's guardrail",
        body: GuardrailCheck,
        response: {
          200: GuardrailVerdict,
          400: { description: "Invalid request", ...problem },
          503: { description: "Moderation unavailable", ...problem },
        },
      },
    },
    async (request) => {
      const text = request.body.text;
      const matched = guard({ input: "", hook: "", body: text });
      if (matched) return { allowed: false, reason: matched.replace("body matches", "text matches") };
      if (!options.moderator) return { allowed: true, reason: null };
      try {
        const result = await options.moderator.moderate([text], { timeoutMs: options.timeoutMs });
        const blocked = moderationVerdict({ hook: undefined, body: result.results[0] });
        return { allowed: !blocked, reason: blocked ? blocked.replace("the body", "the text") : null };
      } catch (err) {
        if (!(err instanceof LlmError)) throw err;
        throw new ServiceUnavailable(`moderation could not check the text, so it cannot be approved yet: ${err.message}`);
      }
    },
  );
}
