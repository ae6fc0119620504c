import { describe, expect, it } from "vitest";
import { HOOK_STYLES, HookStyleId, hookStyleMarkers, SEEDED_HOOK_STYLE_IDS, seededHookStyle } from "./hook-styles.ts";

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
