import { describe, expect, it } from "vitest";
import {
  ClassifiedHookStyle,
  classifyHookStyle,
  HOOK_STYLES,
  HookStyleId,
  hookOf,
  hookStyleMarkers,
  SEEDED_HOOK_STYLE_IDS,
  SEEDED_HOOK_STYLES,
  seededHookStyle,
} from "./hook-styles.ts";

describe("hook styles", () => {
  it("classifies hooks by their surface markers", () => {
    expect(hookStyleMarkers("Is AI overhyped?")).toEqual(["question"]);
    expect(hookStyleMarkers("3 reasons AI agents will look obvious in 5 years.")).toEqual(["bold_number"]);
    expect(hookStyleMarkers("90% of founders quit too early.")).toEqual(["bold_number"]);
    expect(hookStyleMarkers("Unpopular opinion: rest is productive.")).toEqual(["contrarian"]);
    expect(hookStyleMarkers("Hot take: meetings are a tax.")).toEqual(["contrarian"]);
    expect(hookStyleMarkers("Last week a friend told me about burnout.")).toEqual(["short_story"]);
    expect(hookStyleMarkers("Here's how to ship faster.")).toEqual(["how_to"]);
    expect(hookStyleMarkers("How to face a hard week without losing your peace.")).toEqual(["how_to"]);
    // Two markers can meet in one hook; a neutral hook has none.
    expect(hookStyleMarkers("How to rest, really?")).toEqual(["question", "how_to"]);
    expect(hookStyleMarkers("Everyone's sleeping on AI agents. Huge mistake.")).toEqual([]);
    expect(hookStyleMarkers("10x is a mindset.")).toEqual([]);
  });

  it("describes every seeded style for people and for model prompts", () => {
    for (const id of SEEDED_HOOK_STYLE_IDS) {
      const style = HOOK_STYLES[id];
      expect(style.id).toBe(id);
      expect(style.name.length).toBeGreaterThan(2);
      expect(style.description).toMatch(/\.$/);
      expect(style.instruction.length).toBeGreaterThan(20);
    }
    expect(seededHookStyle("question")?.name).toBe("Question");
    expect(seededHookStyle("myth_busting")).toBeNull();
    expect(seededHookStyle(undefined)).toBeNull();
  });

  it("accepts persona-defined ids and names what is wrong with a bad one", () => {
    expect(HookStyleId.parse("myth_busting")).toBe("myth_busting");
    expect(HookStyleId.safeParse("Bold Number").error?.issues[0]?.message).toMatch(/lowercase letters/);
    expect(HookStyleId.safeParse("").error?.issues[0]?.message).toBe("must not be empty");
  });
});

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
    expect(ClassifiedHookStyle.options).toEqual([...SEEDED_HOOK_STYLES, "other"]);
  });
});
