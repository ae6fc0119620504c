import { describe, expect, it } from "vitest";
import { extractKeyPhrases, headlineOf, isPluralPhrase, reflectToReader } from "./key-phrases.ts";

describe("extractKeyPhrases", () => {
  it("finds the noun phrases a post can talk about, best first", () => {
    expect(
      extractKeyPhrases("AI agents are replacing junior developers at startups, and nobody knows what the career ladder looks like"),
    ).toEqual(["AI agents", "junior developers", "the career ladder"]);
  });

  it("keeps names and acronyms, lowers capitals that only start a sentence", () => {
    const phrases = extractKeyPhrases("Remote work is here to stay. Even NASA engineers prefer remote work.");
    expect(phrases).toContain("remote work");
    expect(phrases).toContain("NASA engineers");
  });

  it("speaks to the reader: 'my' becomes 'your'", () => {
    expect(extractKeyPhrases("My startup ran out of money")).toContain("your startup");
  });

  it("ignores links, hashtags' marks and statistics", () => {
    const phrases = extractKeyPhrases("New survey of 2,000 managers: #RemoteWork hurts company culture https://example.com/x");
    expect(phrases[0]).not.toMatch(/^\d/);
    expect(phrases.join(" ")).not.toMatch(/https|#/);
  });

  it("splits long runs at the verb hidden in them", () => {
    expect(extractKeyPhrases("Humanoid robots entering car factories next year")).toEqual(["humanoid robots", "car factories"]);
  });

  it("keeps two-letter acronyms", () => {
    expect(extractKeyPhrases("AI is changing everything")[0]).toBe("AI");
  });

  it("returns nothing for input without words", () => {
    expect(extractKeyPhrases("?!? ...")).toEqual([]);
  });
});

describe("reflectToReader", () => {
  it("turns a short first-person statement to the reader", () => {
    expect(reflectToReader("I can't sleep because of anxiety about my job.")).toBe("you can't sleep because of anxiety about your job");
    expect(reflectToReader("I'm burned out and I am tired")).toBe("you're burned out and you are tired");
    expect(reflectToReader("Feeling stuck at work")).toBe("you're feeling stuck at work");
  });

  it("leaves long or third-person statements alone", () => {
    expect(reflectToReader("Markets rallied today")).toBeNull();
    expect(reflectToReader(`I ${"really ".repeat(20)}need a break`)).toBeNull();
  });
});

describe("headlineOf / isPluralPhrase", () => {
  it("quotes a short first sentence as a headline, never a question", () => {
    expect(headlineOf("OpenAI releases GPT-5 with native agents. More inside.")).toBe("OpenAI releases GPT-5 with native agents");
    expect(headlineOf("Is AI overhyped?")).toBeNull();
  });

  it("judges number from the last word", () => {
    expect(isPluralPhrase("AI agents")).toBe(true);
    expect(isPluralPhrase("LLMs")).toBe(true);
    expect(isPluralPhrase("burnout")).toBe(false);
    expect(isPluralPhrase("the business")).toBe(false);
    expect(isPluralPhrase("economics")).toBe(false);
  });
});
