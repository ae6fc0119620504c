import { THREADS_MAX_CHARS, threadsLength } from "@threads-agent/contracts";
import { describe, expect, it } from "vitest";
import { cleanBody, cleanHook, formatPost, HOOK_MAX_CHARS, trimBody } from "./post-format.ts";

describe("formatPost", () => {
  it("frames the hook with the emoji and puts the body after a blank line", () => {
    expect(formatPost({ emoji: "🙏", hook: "You are seen.", body: "Rest today." }).text).toBe("🙏 You are seen. 🙏\n\nRest today.");
  });

  it("never goes over 500 characters and never cuts the hook", () => {
    const hook = "A hook that must survive whole, every single word of it.";
    const body = "word ".repeat(300).trim();
    const post = formatPost({ emoji: "🚀", hook, body });
    expect(threadsLength(post.text)).toBeLessThanOrEqual(THREADS_MAX_CHARS);
    expect(post.text.startsWith(`🚀 ${hook} 🚀\n\n`)).toBe(true);
    expect(post.truncated).toBe(true);
    expect(post.body.endsWith("word…")).toBe(true);
  });

  it("cuts at a sentence end when that keeps most of the body, without an ellipsis", () => {
    const sentence = "This sentence is exactly fifty characters long ok. ";
    const body = sentence.repeat(12).trim();
    const post = formatPost({ emoji: "🙏", hook: "Hook.", body });
    expect(threadsLength(post.text)).toBeLessThanOrEqual(THREADS_MAX_CHARS);
    expect(post.body.endsWith("long ok.")).toBe(true);
    expect(post.body).not.toContain("…");
  });

  it("leaves a body that fits untouched, counting the frame's emoji as their UTF-8 bytes", () => {
    // "🙏 Hook 🙏\n\n" is 4 + 6 + 4 + 2 = 16 as Threads counts it (12 by String.length).
    const body = "x".repeat(THREADS_MAX_CHARS - 16);
    const post = formatPost({ emoji: "🙏", hook: "Hook", body });
    expect(threadsLength(post.text)).toBe(THREADS_MAX_CHARS);
    expect(post.truncated).toBe(false);
    expect(formatPost({ emoji: "🙏", hook: "Hook", body: `${body}x` }).truncated).toBe(true);
  });

  it("never splits an emoji in two, and counts each as its UTF-8 bytes", () => {
    const body = "😀".repeat(400);
    const post = formatPost({ emoji: "🙏", hook: "Hook", body });
    expect(threadsLength(post.text)).toBeLessThanOrEqual(THREADS_MAX_CHARS);
    expect(post.body).toMatch(/^(😀)+…$/u);
    // 121 emoji: 484 + 1 for the ellipsis + 16 for the frame would be 501.
    expect([...post.body.matchAll(/😀/gu)]).toHaveLength(120);
  });

  it("trims a body that fits by String.length but not as Threads counts it", () => {
    // 150 hearts are 300 UTF-16 units but 900 as Threads counts (❤️ is U+2764 U+FE0F: 6 bytes).
    const body = Array.from({ length: 150 }, () => "❤️").join(" ");
    expect(`🙏 Hook 🙏\n\n${body}`.length).toBeLessThan(THREADS_MAX_CHARS);
    const post = formatPost({ emoji: "🙏", hook: "Hook", body });
    expect(post.truncated).toBe(true);
    expect(threadsLength(post.text)).toBeLessThanOrEqual(THREADS_MAX_CHARS);
    expect(post.body).toMatch(/^(❤️ )*❤️…$/u);
  });

  it("keeps accented letters and other non-emoji clusters at 1 each", () => {
    const body = "é".repeat(THREADS_MAX_CHARS - 16);
    const post = formatPost({ emoji: "🙏", hook: "Hook", body: body.normalize("NFD") });
    expect(post.truncated).toBe(false);
    expect(threadsLength(post.text)).toBe(THREADS_MAX_CHARS);
  });
});

describe("trimBody", () => {
  it("drops dangling punctuation before the ellipsis", () => {
    expect(trimBody("one two, three four five six", 12)).toBe("one two…");
  });
});

describe("cleanHook", () => {
  it("keeps the first line without labels, quotes or the persona's emoji", () => {
    expect(cleanHook('Hook: "🚀 Rockets are back 🚀"\nSecond line', "🚀")).toBe("Rockets are back");
    expect(cleanHook("  **Bold claim**  ", "🙏")).toBe("Bold claim");
  });

  it(`bounds the hook to ${HOOK_MAX_CHARS} characters at a word`, () => {
    const hook = cleanHook("long ".repeat(60), "🙏");
    expect(threadsLength(hook)).toBeLessThanOrEqual(HOOK_MAX_CHARS);
    expect(hook.endsWith("long…")).toBe(true);
    const emojiHook = cleanHook("🔥 fire ".repeat(40), "🙏");
    expect(threadsLength(emojiHook)).toBeLessThanOrEqual(HOOK_MAX_CHARS);
    expect(emojiHook.length).toBeLessThan(HOOK_MAX_CHARS);
  });

  it("keeps quotes that do not wrap the whole line", () => {
    expect(cleanHook('"Move fast" and "fix things"', "🚀")).toBe('"Move fast" and "fix things"');
  });
});

describe("cleanBody", () => {
  it("drops a repeated hook, labels and extra blank lines", () => {
    expect(cleanBody("Body: Rockets are back. Here is why.\n\n\n\nBuild.", "Rockets are back.")).toBe("Here is why.\n\nBuild.");
  });
});
