import { describe, expect, it } from "vitest";
import { classifyHookStyle, HookStyle, hookOf, SEEDED_HOOK_STYLES } from "./hook-styles.ts";

describe("classifyHookStyle", () => {
  it.each([
    // question
    ["Why do we keep burning out?", "question"],
    ["🙏 Why do we keep burning out? 🙏\n\nBecause rest is not a reward.", "question"],
    ["🚀 What if Mars is the easy part? 🚀", "question"],
    // bold_number
    ["3 habits that saved my launch", "bold_number"],
    ["90% of burnout is invisible", "bold_number"],
    ["🚀 10x engineers don't exist? 🚀", "bold_number"], // a number first wins over the question mark
    // contrarian
    ["Unpopular opinion: rest is productive", "contrarian"],
    ["hot take: meetings are fine", "contrarian"],
    ["🙏 Hot take: forgiveness is selfish? 🙏", "contrarian"],
    // short_story
    ["Yesterday I shipped on a Friday", "short_story"],
    ["Last week my team quit", "short_story"],
    ["Last night the deploy failed", "short_story"],
    ["This morning I deleted prod", "short_story"],
    ["Years ago I was fired", "short_story"],
    ["🙏 Yesterday, I forgave my manager 🙏", "short_story"],
    // how_to
    ["How to rest without guilt", "how_to"],
    ["Here's how I stopped doomscrolling", "how_to"],
    ["Here’s how to ship on Fridays", "how_to"],
    ["How to know you are burned out?", "how_to"],
    // other
    ["Rest is holy", "other"],
    ["🙏 Rest is holy 🙏\n\nWhy? Because.", "other"], // only the first line counts
    ["", "other"],
    ["Yesterdays are gone", "other"], // a whole word, not a prefix
    ["Hot takes are cheap", "other"], // needs the colon
    ["Somehow to rest", "other"],
  ])("%j is %s", (text, style) => {
    expect(classifyHookStyle(text)).toBe(style);
  });

  it("strips framing emoji of every shape", () => {
    for (const emoji of ["🙏", "❤️", "👍🏽", "🇺🇸", "👨‍👩‍👧", "1️⃣"]) {
      expect(hookOf(`${emoji} Why now? ${emoji}\n\nbody`)).toBe("Why now?");
      expect(classifyHookStyle(`${emoji} Why now? ${emoji}`)).toBe("question");
    }
  });

  it("knows the five seeded styles plus other", () => {
    expect(SEEDED_HOOK_STYLES).toEqual(["question", "bold_number", "contrarian", "short_story", "how_to"]);
    expect(HookStyle.options).toEqual([...SEEDED_HOOK_STYLES, "other"]);
  });
});
