import { createHash, randomBytes } from "node:crypto";
import { SEEDED_HOOK_STYLES, type SeededHookStyle } from "@threads-agent/contracts";

export type Account = {
  /** Numeric string like a Threads user id, derived from the username so it survives restarts. */
  id: string;
  username: string;
  name: string;
  /** The hook style this account's audience rewards most (see engagement.ts). */
  bestStyle: SeededHookStyle;
  /** Followers before any post of ours. */
  baseFollowers: number;
};

export type AccessToken = {
  /** Kept only in memory of this test double; never logged. */
  value: string;
  userId: string;
  issuedAt: number;
  expiresAt: number;
  revokedAt: number | null;
};

export type TokenCheck =
  | { ok: true; token: AccessToken; account: Account }
  | { ok: false; reason: "missing" | "invalid" | "expired" | "revoked"; token?: AccessToken };

const digest = (value: string) => createHash("sha256").update(value).digest("base64url");
const unit = (seed: string, salt: string) => createHash("sha256").update(`${salt}:${seed}`).digest().readUInt32BE(0) / 2 ** 32;

/** A 16-digit id from the username: stable across restarts, never clashing with 17-digit media ids. */
export function accountIdFor(username: string): string {
  const n = createHash("sha256").update(`account:${username}`).digest().readBigUInt64BE(0) % 9_000_000_000_000_000n;
  return (1_000_000_000_000_000n + n).toString();
}

/** The seeded style an account's audience prefers, chosen from its id: deterministic, spread over the five. */
export function defaultBestStyle(accountId: string): SeededHookStyle {
  return SEEDED_HOOK_STYLES[Math.floor(unit(accountId, "best-style") * SEEDED_HOOK_STYLES.length)] ?? "question";
}

/** A fresh long-lived token, shaped like Threads' (an opaque `TH...` string). */
export const newTokenValue = () => `THAA${randomBytes(48).toString("base64url")}`;

/**
 * Accounts and their access tokens. Tokens are looked up by digest, so the map keys are not the
 * secrets themselves and a lookup's timing says nothing about how close a guess was.
 */
export class AccountRegistry {
  readonly #accounts = new Map<string, Account>();
  readonly #byUsername = new Map<string, string>();
  readonly #tokens = new Map<string, AccessToken>();
  readonly #now: () => number;
  readonly #lifetimeMs: number;

  constructor(options: { now: () => number; tokenLifetimeSeconds: number }) {
    this.#now = options.now;
    this.#lifetimeMs = options.tokenLifetimeSeconds * 1000;
  }

  get tokenLifetimeMs(): number {
    return this.#lifetimeMs;
  }

  create(options: { username: string; name?: string; bestStyle?: SeededHookStyle; baseFollowers?: number }): Account {
    if (this.#byUsername.has(options.username)) throw new Error(`account "${options.username}" exists`);
    const id = accountIdFor(options.username);
    const account: Account = {
      id,
      username: options.username,
      name: options.name ?? options.username,
      bestStyle: options.bestStyle ?? defaultBestStyle(id),
      // Small creator accounts: 50-500 followers to start with.
      baseFollowers: options.baseFollowers ?? Math.round(50 + 450 * unit(id, "followers")),
    };
    this.#accounts.set(id, account);
    this.#byUsername.set(account.username, id);
    return account;
  }

  get(id: string): Account | undefined {
    return this.#accounts.get(id);
  }

  byUsername(username: string): Account | undefined {
    const id = this.#byUsername.get(username);
    return id ? this.#accounts.get(id) : undefined;
  }

  list(): Account[] {
    return [...this.#accounts.values()];
  }

  /** Issues a token for the account; `value` for configured tokens, a random one otherwise. */
  issue(userId: string, options: { value?: string; expiresInMs?: number; issuedAt?: number } = {}): AccessToken {
    const issuedAt = options.issuedAt ?? this.#now();
    const token: AccessToken = {
      value: options.value ?? newTokenValue(),
      userId,
      issuedAt,
      expiresAt: issuedAt + (options.expiresInMs ?? this.#lifetimeMs),
      revokedAt: null,
    };
    this.#tokens.set(digest(token.value), token);
    return token;
  }

  find(value: string): AccessToken | undefined {
    return this.#tokens.get(digest(value));
  }

  check(value: string | undefined): TokenCheck {
    if (!value) return { ok: false, reason: "missing" };
    const token = this.find(value);
    const account = token ? this.#accounts.get(token.userId) : undefined;
    if (!token || !account) return { ok: false, reason: "invalid" };
    if (token.revokedAt !== null) return { ok: false, reason: "revoked", token };
    if (this.#now() >= token.expiresAt) return { ok: false, reason: "expired", token };
    return { ok: true, token, account };
  }

  expire(value: string): boolean {
    const token = this.find(value);
    if (!token) return false;
    token.expiresAt = Math.min(token.expiresAt, this.#now());
    return true;
  }

  revoke(value: string): boolean {
    const token = this.find(value);
    if (!token) return false;
    token.revokedAt ??= this.#now();
    return true;
  }
}
