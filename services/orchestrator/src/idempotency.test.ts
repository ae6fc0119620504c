import { describe, expect, it } from "vitest";
import { fingerprint, idempotencyKeyOf } from "./idempotency.ts";

describe("fingerprint", () => {
  it("ignores key order and undefined fields, not values", () => {
    expect(fingerprint({ a: 1, b: { c: [1, 2], d: "x" } })).toBe(fingerprint({ b: { d: "x", c: [1, 2] }, a: 1, e: undefined }));
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: 2 }));
    expect(fingerprint({ a: [1, 2] })).not.toBe(fingerprint({ a: [2, 1] }));
    expect(fingerprint({})).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("idempotencyKeyOf", () => {
  it("accepts printable keys up to 255 characters and rejects the rest naming the header", () => {
    expect(idempotencyKeyOf({})).toBeUndefined();
    expect(idempotencyKeyOf({ "idempotency-key": "4f1c0b1e-7d9a-4a53-9b2f-0f7f3c1d2e10" })).toBe("4f1c0b1e-7d9a-4a53-9b2f-0f7f3c1d2e10");
    for (const bad of ["", "a b", "x".repeat(256), "tab\there", "ünicode"]) {
      expect(() => idempotencyKeyOf({ "idempotency-key": bad })).toThrow(
        expect.objectContaining({ status: 400, errors: [expect.objectContaining({ field: "Idempotency-Key" })] }),
      );
    }
  });
});
