import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseTokenKey, TokenCipher, TokenDecryptError, tokenFingerprint } from "./token-cipher.ts";

const key = randomBytes(32).toString("base64");
const token = "THQWJYbG9uZy1saXZlZC10b2tlbi1mb3ItYWktamVzdXM";

describe("TokenCipher", () => {
  it("round-trips a token, never storing it in the clear, and differs on every encryption", () => {
    const cipher = TokenCipher.fromBase64(key);
    const a = cipher.encrypt(token, "persona:ai-jesus");
    const b = cipher.encrypt(token, "persona:ai-jesus");
    expect(a).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(a).not.toContain(token);
    expect(a).not.toBe(b);
    expect(cipher.decrypt(a, "persona:ai-jesus")).toBe(token);
  });

  it("refuses another key, another owner and an altered value, without saying the token", () => {
    const cipher = TokenCipher.fromBase64(key);
    const stored = cipher.encrypt(token, "persona:ai-jesus");
    const other = TokenCipher.fromBase64(randomBytes(32).toString("base64"));
    for (const attempt of [
      () => other.decrypt(stored, "persona:ai-jesus"),
      () => cipher.decrypt(stored, "persona:ai-elon"),
      () => cipher.decrypt(`${stored.slice(0, -2)}AA`, "persona:ai-jesus"),
      () => cipher.decrypt("plain-token", "persona:ai-jesus"),
    ]) {
      const error = (() => {
        try {
          attempt();
        } catch (err) {
          return err;
        }
      })();
      expect(error).toBeInstanceOf(TokenDecryptError);
      expect(String((error as Error).message)).not.toContain(token);
    }
  });

  it("reads 32-byte base64 and base64url keys and names what is wrong with others", () => {
    expect("key" in parseTokenKey(key)).toBe(true);
    expect("key" in parseTokenKey(randomBytes(32).toString("base64url"))).toBe(true);
    expect(parseTokenKey(randomBytes(16).toString("base64"))).toEqual({ problem: expect.stringMatching(/32 bytes.*got 16/) });
    expect(parseTokenKey("not a key!")).toEqual({ problem: expect.stringMatching(/base64/) });
    expect(() => TokenCipher.fromBase64("c2hvcnQ=")).toThrow(/^TOKEN_ENCRYPTION_KEY: expected 32 bytes/);
  });

  it("fingerprints a token without revealing it", () => {
    expect(tokenFingerprint(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenFingerprint(token)).toBe(tokenFingerprint(token));
    expect(tokenFingerprint(`${token}x`)).not.toBe(tokenFingerprint(token));
  });
});
