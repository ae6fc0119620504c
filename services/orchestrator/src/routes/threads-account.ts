import { LinkThreadsAccount, Persona } from "@threads-agent/contracts";
import { linkThreadsAccount, toPersona } from "@threads-agent/db";
import { NotFound, ServiceUnavailable, Unprocessable } from "@threads-agent/http";
import { ThreadsApiError, tokenContext } from "@threads-agent/threads";
import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { RouteDeps } from "./route-deps.ts";
import { COMMON_PROBLEMS, NoQuery, PersonaParams, problems } from "./schemas.ts";

/**
 * A persona's own Threads account. PUT checks the token with Threads at once (`GET /me`, plus its
 * expiry from `debug_token`), stores it encrypted and answers the persona with the account; the
 * token is never returned, logged or put in an event. DELETE unlinks it: the persona publishes as
 * the default account (THREADS_ACCESS_TOKEN) again.
 */
export const threadsAccountRoutes = (deps: RouteDeps): FastifyPluginAsyncZod =>
  async function threadsAccountRoutes(app) {
    const { db, logger } = deps.deps;

    app.put(
      "/personas/:id/threads-account",
      {
        schema: {
          summary: "Link the persona to its own Threads account (the token is checked at once, stored encrypted, never returned)",
          tags: ["personas"],
          params: PersonaParams,
          querystring: NoQuery,
          body: LinkThreadsAccount,
          response: { 200: Persona, ...problems(...COMMON_PROBLEMS, 404, 413, 415, 422) },
        },
      },
      async (request) => {
        const { id } = request.params;
        const { access_token } = request.body;
        const persona = await db.persona.findUnique({ where: { id } });
        if (!persona) throw new NotFound("Persona", id);
        const cipher = deps.deps.tokenCipher;
        if (!cipher) {
          throw new ServiceUnavailable(
            "Linking a Threads account needs TOKEN_ENCRYPTION_KEY (32 random bytes, base64: openssl rand -base64 32) on the orchestrator and the worker, so the token is stored encrypted",
          );
        }

        let profile: Awaited<ReturnType<ReturnType<typeof deps.deps.threadsWithToken>["me"]>>;
        try {
          profile = await deps.deps.threadsWithToken(access_token).me();
        } catch (err) {
          if (!(err instanceof ThreadsApiError)) throw err;
          if (err.kind === "token" || err.kind === "invalid") {
            // The client's messages never carry the token.
            throw new Unprocessable(`Threads refused this access token: ${err.message}`, "threads-token-refused", [
              {
                field: "access_token",
                message: `Threads refused it${err.code ? ` (code ${err.code})` : ""}: link a valid long-lived Threads user access token`,
              },
            ]);
          }
          throw new ServiceUnavailable(`Threads could not check the token right now (${err.kind}); try again: ${err.message}`);
        }

        const account = await linkThreadsAccount(db, {
          personaId: id,
          userId: profile.id,
          username: profile.username,
          tokenCiphertext: cipher.encrypt(access_token, tokenContext.persona(id)),
          tokenExpiresAt: profile.tokenExpiresAt,
        });
        logger.info({ persona_id: id, user_id: profile.id, username: profile.username }, "Threads account linked");
        return toPersona({ ...persona, threads_account: account });
      },
    );

    app.delete(
      "/personas/:id/threads-account",
      {
        schema: {
          summary: "Unlink the persona's Threads account: it publishes as the default account again",
          tags: ["personas"],
          params: PersonaParams,
          querystring: NoQuery,
          response: {
            204: z.undefined().meta({ description: "Unlinked (or there was nothing to unlink)" }),
            ...problems(...COMMON_PROBLEMS, 404),
          },
        },
      },
      async (request, reply) => {
        const { id } = request.params;
        if (!(await db.persona.findUnique({ where: { id }, select: { id: true } }))) throw new NotFound("Persona", id);
        const { count } = await db.threadsAccount.deleteMany({ where: { persona_id: id } });
        if (count) logger.info({ persona_id: id }, "Threads account unlinked");
        return reply.code(204).send();
      },
    );
  };
