import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/** Why a stored token could not be read: the key changed, or the value was altered. Never carries the token. */
export class TokenDecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TokenDecryptError";
  }
}

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * `TOKEN_ENCRYPTION_KEY`: 32 bytes, base64 (or base64url), e.g. `openssl rand -base64 32`.
 * Returns the key, or null with a reason that never repeats the value.
 */
export function parseTokenKey(value: string): { key: Buffer } | { problem: string } {
  const trimmed = value.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return { problem: "expected base64 (e.g. the output of `openssl rand -base64 32`)" };
  const key = Buffer.from(trimmed.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  if (key.length !== 32) return { problem: `expected 32 bytes of base64, got ${key.length} bytes (e.g. \`openssl rand -base64 32\`)` };
  return { key };
}

/**
 * Threads access tokens at rest: AES-256-GCM (node:crypto; a mature primitive, so no library),
 * a random 96-bit IV per value, and the owner of the token (`context`, e.g. the persona) as
 * additional authenticated data, so a ciphertext copied to another row does not decrypt. Stored as
 * `v1.<iv>.<tag>.<ciphertext>` in base64url.
 */
export class TokenCipher {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error("an AES-256 key is 32 bytes");
    this.#key = key;
  }

  /** From the TOKEN_ENCRYPTION_KEY value; throws naming the variable (never the value) when it is not a key. */
  static fromBase64(value: string): TokenCipher {
    const parsed = parseTokenKey(value);
    if ("problem" in parsed) throw new Error(`TOKEN_ENCRYPTION_KEY: ${parsed.problem}`);
    return new TokenCipher(parsed.key);
  }

  encrypt(token: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, "utf8"));
    const data = Buffer.concat([cipher.update(token, "utf8"), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), data].map((part) => (typeof part === "string" ? part : part.toString("base64url"))).join(".");
  }

  decrypt(stored: string, context: string): string {
    const [version, iv, tag, data] = stored.split(".");
    if (version !== VERSION || !iv || !tag || data === undefined)
      throw new TokenDecryptError("the stored token is not in a format this version can read");
    try {
      const decipher = createDecipheriv("aes-256-gcm", this.#key, Buffer.from(iv, "base64url"), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, "utf8"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
    } catch {
      throw new TokenDecryptError("the stored token does not decrypt with TOKEN_ENCRYPTION_KEY (was the key changed?)");
    }
  }
}

/** The owner a stored token is bound to (its additional authenticated data): the same string wherever it is encrypted or read. */
export const tokenContext = {
  persona: (personaId: string) => `persona:${personaId}`,
  /** The default account's refreshed token, by the fingerprint of THREADS_ACCESS_TOKEN. */
  seed: (seedHash: string) => `seed:${seedHash}`,
};

/** A token's fingerprint (sha256, hex): lets a stored refresh of THREADS_ACCESS_TOKEN be matched to it without storing it. */
export function tokenFingerprint(token: string): string {
  return createHash("sha256").update(`threads-agent token:${token}`).digest("hex");
}
