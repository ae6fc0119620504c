import { newId } from "@threads-agent/contracts";
import type { Db } from "../client.ts";

/**
 * Why this service cannot start, or null: tokens are stored (accounts were linked, or the default
 * token refreshed) but TOKEN_ENCRYPTION_KEY is not set, so none of them could be read.
 */
export async function tokenKeyProblem(db: Db, hasKey: boolean): Promise<string | null> {
  if (hasKey) return null;
  const stored = await db.threadsAccount.count();
  if (stored === 0) return null;
  return `TOKEN_ENCRYPTION_KEY is not set, but ${stored} Threads account token(s) are stored encrypted with it (linked with PUT /v1/personas/:id/threads-account): set TOKEN_ENCRYPTION_KEY to the key they were stored with (32 bytes, base64)`;
}

export type LinkedAccount = {
  personaId: string;
  userId: string;
  username: string | null;
  tokenCiphertext: string;
  tokenExpiresAt: Date | null;
};

/** Links a persona to a Threads account, replacing the account it had: one row per persona. */
export function linkThreadsAccount(db: Db, account: LinkedAccount) {
  const fields = {
    user_id: account.userId,
    username: account.username,
    token_ciphertext: account.tokenCiphertext,
    token_expires_at: account.tokenExpiresAt,
    token_refreshed_at: null,
    refresh_error: null,
  };
  return db.threadsAccount.upsert({
    where: { persona_id: account.personaId },
    create: { id: newId(), persona_id: account.personaId, ...fields },
    update: fields,
  });
}
