import { describe, expect, it } from "vitest";
import { fitsThreads, threadsLength } from "./threads-text.ts";

describe("threadsLength", () => {
  it.each([
    ["", 0],
    ["hello", 5],
    ["line one\nline two", 17],
    // Non-emoji characters count 1 however many bytes or UTF-16 units they take.
    ["café", 4],
    ["cafe\u0301", 4], // e + combining acute: one user-perceived character
    ["日本語", 3],
    ["𝔸", 1], // astral, 2 UTF-16 units, not an emoji
    ["©", 2], // an Extended_Pictographic symbol: its 2 UTF-8 bytes
    // Emoji count as their UTF-8 bytes.
    ["🙏", 4],
    ["🚀", 4],
    ["❤️", 6], // U+2764 U+FE0F
    ["❤", 3],
    ["👍🏽", 8], // skin tone modifier
    ["🇺🇸", 8], // a flag: two regional indicators
    ["1️⃣", 7], // keycap: 1 + U+FE0F + U+20E3
    ["👨‍👩‍👧", 18], // ZWJ family: 4 + 3 + 4 + 3 + 4
    ["🙏 Hook 🙏\n\nBody", 4 + 1 + 4 + 1 + 4 + 2 + 4],
  ])("%j counts %i", (text, expected) => {
    expect(threadsLength(text)).toBe(expected);
  });

  it("differs from String.length where it matters", () => {
    expect("🙏".length).toBe(2);
    expect(threadsLength("🙏")).toBe(4);
  });
});

describe("fitsThreads", () => {
  it.each([
    ["x".repeat(500), true],
    ["x".repeat(501), false],
    // 492 letters + two 🙏 framing emoji = 500 as Threads counts, though String.length says 496.
    [`🙏${"x".repeat(492)}🙏`, true],
    [`🙏${"x".repeat(493)}🙏`, false],
    ["日".repeat(500), true],
    ["🚀".repeat(125), true],
    ["🚀".repeat(126), false],
  ])("%#: fits is %s", (text, fits) => {
    expect(fitsThreads(text)).toBe(fits);
  });

  it("takes another limit", () => {
    expect(fitsThreads("🙏", 3)).toBe(false);
    expect(fitsThreads("🙏", 4)).toBe(true);
  });
});
