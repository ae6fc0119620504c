import { THREADS_MAX_CHARS } from "@threads-agent/contracts";
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
    expect(post.text.length).toBeLessThanOrEqual(THREADS_MAX_CHARS);
    expect(post.text.startsWith(`🚀 ${hook} 🚀\n\n`)).toBe(true);
    expect(post.truncated).toBe(true);
    expect(post.body.endsWith("word…")).toBe(true);
  });

  it("cuts at a sentence end when that keeps most of the body, without an ellipsis", () => {
    const sentence = "This sentence is exactly fifty characters long ok. ";
    const body = sentence.repeat(12).trim();
    const post = formatPost({ emoji: "🙏", hook: "Hook.", body });
    expect(post.text.length).toBeLessThanOrEqual(THREADS_MAX_CHARS);
    expect(post.body.endsWith("long ok.")).toBe(true);
    expect(post.body).not.toContain("…");
  });

  it("leaves a body that fits untouched", () => {
    const body = "x".repeat(THREADS_MAX_CHARS - "🙏 Hook 🙏\n\n".length);
    const post = formatPost({ emoji: "🙏", hook: "Hook", body });
    expect(post.text.length).toBe(THREADS_MAX_CHARS);
    expect(post.truncated).toBe(false);
  });

  it("never splits an emoji in two", () => {
    const body = "😀".repeat(400);
    const post = formatPost({ emoji: "🙏", hook: "Hook", body });
    expect(post.text.length).toBeLessThanOrEqual(THREADS_MAX_CHARS);
    expect(post.body).toMatch(/^(😀)+…$/u);
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
    expect(hook.length).toBeLessThanOrEqual(HOOK_MAX_CHARS);
    expect(hook.endsWith("long…")).toBe(true);
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
