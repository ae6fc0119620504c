import type { Db, ThreadsAccountRow } from "@threads-agent/db";
import type { Logger } from "@threads-agent/observability";
import {
  ThreadsApiError,
  type ThreadsClient,
  type TokenCipher,
  TokenDecryptError,
  tokenContext,
  tokenFingerprint,
} from "@threads-agent/threads";
import { PermanentError, TransientError } from "../errors.ts";

/** The persona a post is published for, as far as accounts and messages need it. */
export type PersonaRef = { id: string; name: string; threads_account: ThreadsAccountRow | null };

/** The Threads account a post goes out on, with a client holding its current token. */
export type PublishingAccount = {
  persona: { id: string; name: string };
  /** `linked`: the persona's own (PUT /v1/personas/:id/threads-account); `default`: THREADS_ACCESS_TOKEN. */
  kind: "linked" | "default";
  userId: string;
  client: ThreadsClient;
};

// The default account's refreshed token is read from the database at most this often; a stale one
// is harmless (Threads keeps an old long-lived token valid until it expires).
const DEFAULT_TOKEN_TTL_MS = 60_000;

/**
 * Which Threads account each persona publishes as, and its token: a persona's own linked account
 * (token decrypted from its row), else the default account of THREADS_ACCESS_TOKEN, whose newest
 * refresh the worker keeps in the database (the row whose seed_hash is that token's fingerprint).
 * Tokens only ever live in memory here; no message, log line or error carries one.
 */
export class ThreadsAccounts {
  readonly #db: Db;
  readonly #base: ThreadsClient;
  readonly #cipher: TokenCipher | null;
  readonly #envToken: string | undefined;
  readonly #envUserId: string | undefined;
  readonly #logger: Logger;
  #defaultToken: { value: string; readAt: number } | null = null;
  #defaultUserId: Promise<string> | null = null;

  constructor(options: {
    db: Db;
    /** A client on the API root; its token is asked for through `defaultToken()`. */
    createClient: (token: () => Promise<string>) => ThreadsClient;
    cipher: TokenCipher | null;
    envToken: string | undefined;
    envUserId: string | undefined;
    logger: Logger;
  }) {
    this.#db = options.db;
    this.#cipher = options.cipher;
    this.#envToken = options.envToken;
    this.#envUserId = options.envUserId;
    this.#logger = options.logger;
    this.#base = options.createClient(() => this.defaultToken());
  }

  /** The client of the default account (its token is the newest refresh of THREADS_ACCESS_TOKEN). */
  get base(): ThreadsClient {
    return this.#base;
  }

  /** THREADS_ACCESS_TOKEN, for the refresh job (which stores its refresh under the token's fingerprint). */
  get envToken(): string | undefined {
    return this.#envToken;
  }

  get cipher(): TokenCipher | null {
    return this.#cipher;
  }

  async forPersona(persona: PersonaRef): Promise<PublishingAccount> {
    const who = { id: persona.id, name: persona.name };
    const row = persona.threads_account;
    if (row) {
      const token = this.decrypt(row, tokenContext.persona(persona.id), persona.id);
      return { persona: who, kind: "linked", userId: row.user_id, client: this.#base.withToken(token) };
    }
    if (!this.#envToken) {
      throw new PermanentError(
        "threads_no_account",
        `${persona.id} has no Threads account to publish as: link one with PUT /v1/personas/${persona.id}/threads-account, or set THREADS_ACCESS_TOKEN for a default account`,
      );
    }
    return { persona: who, kind: "default", userId: await this.defaultUserId(who), client: this.#base };
  }

  /** The default account's current token: the newest stored refresh of THREADS_ACCESS_TOKEN, else the variable itself. */
  async defaultToken(): Promise<string> {
    const env = this.#envToken;
    if (!env) throw new PermanentError("threads_no_account", "THREADS_ACCESS_TOKEN is not set");
    if (this.#defaultToken && Date.now() - this.#defaultToken.readAt < DEFAULT_TOKEN_TTL_MS) return this.#defaultToken.value;
    let value = env;
    if (this.#cipher) {
      const seed = tokenFingerprint(env);
      const row = await this.#db.threadsAccount.findUnique({ where: { seed_hash: seed } });
      if (row) {
        try {
          value = this.#cipher.decrypt(row.token_ciphertext, tokenContext.seed(seed));
        } catch (err) {
          // The variable still works until it expires; the refresh job stores a readable refresh again.
          this.#logger.warn(
            { err: { message: (err as Error).message } },
            "stored refresh of THREADS_ACCESS_TOKEN unreadable; using the variable",
          );
        }
      }
    }
    this.#defaultToken = { value, readAt: Date.now() };
    return value;
  }

  /** Forget the cached default token (after a refresh stored a new one). */
  invalidateDefault(): void {
    this.#defaultToken = null;
  }

  /** THREADS_USER_ID, else `GET /me` once (a failure is not cached). */
  async defaultUserId(persona: { id: string; name: string } = { id: "the default account", name: "" }): Promise<string> {
    if (this.#envUserId) return this.#envUserId;
    this.#defaultUserId ??= this.#base.me().then(
      (me) => {
        this.#logger.info({ user_id: me.id, username: me.username }, "default Threads account resolved (GET /me)");
        return me.id;
      },
      (err: unknown) => {
        this.#defaultUserId = null;
        throw err;
      },
    );
    try {
      return await this.#defaultUserId;
    } catch (err) {
      throw threadsTaskError(err, { persona, kind: "default" });
    }
  }

  decrypt(row: ThreadsAccountRow, context: string, personaId: string): string {
    if (!this.#cipher) {
      throw new PermanentError(
        "threads_token_unreadable",
        `the Threads token for ${personaId} is stored encrypted but TOKEN_ENCRYPTION_KEY is not set: set it to the key it was stored with`,
      );
    }
    try {
      return this.#cipher.decrypt(row.token_ciphertext, context);
    } catch (err) {
      if (!(err instanceof TokenDecryptError)) throw err;
      throw new PermanentError(
        "threads_token_unreadable",
        `the Threads token for ${personaId} cannot be read: ${err.message}; link the account again (PUT /v1/personas/${personaId}/threads-account)`,
      );
    }
  }
}

/**
 * A Threads failure as the task records it, with what a person can do about it: a token Threads
 * refuses (code 190) fails naming the persona and how to fix it; rate limits and outages retry
 * with backoff; refusals of the request fail with Threads' own message.
 */
export function threadsTaskError(
  err: unknown,
  account: { persona: { id: string; name: string }; kind: PublishingAccount["kind"] },
): PermanentError | TransientError | unknown {
  if (!(err instanceof ThreadsApiError)) return err;
  const { id } = account.persona;
  switch (err.kind) {
    case "token":
      return new PermanentError(
        "threads_token",
        `the Threads token for ${id} expired or was revoked: link the account again (PUT /v1/personas/${id}/threads-account)${
          account.kind === "default" ? ", or set a new THREADS_ACCESS_TOKEN (the default account it publishes as)" : ""
        }. Threads said: ${err.message}`,
        { cause: err },
      );
    case "rate_limited":
      return new TransientError("threads_rate_limited", err.message, { cause: err });
    case "invalid":
      return new PermanentError("threads_rejected", err.message, { cause: err });
    case "unknown_outcome":
      return new TransientError("threads_unknown_outcome", err.message, { cause: err });
    default:
      return new TransientError("threads_unavailable", err.message, { cause: err });
  }
}
