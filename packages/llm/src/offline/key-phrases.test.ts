import { describe, expect, it } from "vitest";
import {
  extractKeyPhrases,
  headlineOf,
  indefiniteArticle,
  isNounPhrase,
  isPluralPhrase,
  prepareInput,
  reflectToReader,
} from "./key-phrases.ts";

const texts = (input: string) => extractKeyPhrases(input).map((p) => p.text);

describe("extractKeyPhrases", () => {
  it("finds the noun phrases a post can talk about, best first", () => {
    expect(texts("AI agents are replacing junior developers at startups, and nobody knows what the career ladder looks like")).toEqual([
      "AI agents",
      "junior developers",
      "the career ladder",
    ]);
  });

  it("never returns the verbs and adjectives of the input", () => {
    // The three inputs behind "Stop debating fix real bugs", "struggling with burned", "weighed down by stuck".
    expect(texts("fix real bugs")).toEqual(["real bugs"]);
    expect(texts("Feeling burned out after a big launch")).toEqual(["a big launch"]);
    expect(texts("stuck")).toEqual([]);
    expect(texts("I can't sleep")).toEqual([]);
  });

  it("splits a run where compromise read the sentence's verb as a noun", () => {
    expect(texts("layoffs at Google hit 12,000 people")).toEqual(["Google", "layoffs"]);
    expect(texts("Humanoid robots entering car factories next year")).toEqual(["humanoid robots", "car factories"]);
  });

  it("keeps names and acronyms, lowers capitals that only start a sentence", () => {
    expect(texts("Remote work is here to stay. Even NASA engineers prefer remote work.")).toEqual(["remote work", "NASA"]);
    expect(texts("OpenAI releases GPT-5 with native agents")).toContain("GPT-5");
    expect(texts("AI is changing everything")).toEqual(["AI"]);
  });

  it("speaks to the reader: 'my' becomes 'your'", () => {
    expect(texts("My startup ran out of money")).toEqual(["your startup", "money"]);
    expect(texts("dealing with imposter syndrome at my first dev job")).toContain("your first dev job");
  });

  it("gives a bare singular count noun its article and fixes a/an", () => {
    expect(texts("Tesla launches robotaxi in Austin")).toContain("the robotaxi");
    expect(texts("burnout is real")).toEqual(["burnout"]);
    expect(texts("We shipped a API today")).toEqual(["an API"]);
  });

  it("ignores links, mentions, emoji and statistics; reads hashtags as words", () => {
    const input = "New survey of 2,000 managers: #RemoteWork hurts company culture 😬 https://example.com/x @someone";
    const phrases = extractKeyPhrases(input, 10).map((p) => p.text);
    expect(phrases).toEqual(["company culture", "the new survey", "managers", "remote work"]);
  });

  it("lowers shouting but keeps the acronyms in it", () => {
    expect(prepareInput("AI IS TAKING OUR JOBS!!")).toBe("AI is taking our jobs!!");
    expect(texts("AI IS TAKING OUR JOBS")).toEqual(["AI", "your jobs"]);
  });

  it("knows a phrase's number from compromise's tags", () => {
    const [agents, burnout] = [extractKeyPhrases("AI agents")[0], extractKeyPhrases("burnout")[0]];
    expect(agents).toMatchObject({ text: "AI agents", plural: true, canStartSentence: true });
    expect(burnout).toMatchObject({ text: "burnout", plural: false });
    expect(extractKeyPhrases("iPhone sales")[0]).toMatchObject({ text: "iPhone sales", canStartSentence: false });
  });

  it("returns nothing for input without nouns", () => {
    expect(extractKeyPhrases("?!? ...")).toEqual([]);
    expect(extractKeyPhrases("so so tired")).toEqual([]);
  });
});

describe("isNounPhrase", () => {
  it("accepts noun phrases and rejects anything with a verb, adverb or preposition", () => {
    for (const phrase of ["AI agents", "your startup", "the career ladder", "GPT-5", "a big launch", "burnout"]) {
      expect(isNounPhrase(phrase), phrase).toBe(true);
    }
    for (const phrase of ["fix real bugs", "burned", "stuck", "after a big launch", "really tired", "I"]) {
      expect(isNounPhrase(phrase), phrase).toBe(false);
    }
  });
});

describe("indefiniteArticle", () => {
  it("chooses by sound", () => {
    expect(["apple", "hour", "LLM", "8-hour day", "unicorn", "user", "GPU", "one-off"].map(indefiniteArticle)).toEqual([
      "an",
      "an",
      "an",
      "an",
      "a",
      "a",
      "a",
      "a",
    ]);
  });
});

describe("reflectToReader", () => {
  it("turns a short first-person statement to the reader", () => {
    expect(reflectToReader("I can't sleep because of anxiety about my job.")).toBe("you can't sleep because of anxiety about your job");
    expect(reflectToReader("I'm burned out and I am tired")).toBe("you're burned out and you are tired");
    expect(reflectToReader("Feeling stuck at work")).toBe("you're feeling stuck at work");
  });

  it("leaves long, third-person, quoted or unfinished statements alone", () => {
    expect(reflectToReader("Markets rallied today")).toBeNull();
    expect(reflectToReader(`I ${"really ".repeat(20)}need a break`)).toBeNull();
    expect(reflectToReader('I keep hearing "just relax"')).toBeNull();
    expect(reflectToReader("I keep thinking about")).toBeNull();
  });
});

describe("headlineOf / isPluralPhrase", () => {
  it("quotes a short first sentence that reads as a headline, never a question, command or first person", () => {
    expect(headlineOf("OpenAI releases GPT-5 with native agents. More inside.")).toBe("OpenAI releases GPT-5 with native agents");
    expect(headlineOf("TESLA ROBOTAXI LAUNCHES IN AUSTIN")).toBe("Tesla robotaxi launches in Austin");
    expect(headlineOf("Is AI overhyped?")).toBeNull();
    expect(headlineOf("Stop debating and start building")).toBeNull();
    expect(headlineOf("My startup ran out of money")).toBeNull();
    expect(headlineOf("iPhone 17 sales disappoint in China")).toBeNull();
  });

  it("judges number from the head noun", () => {
    expect(isPluralPhrase("AI agents")).toBe(true);
    expect(isPluralPhrase("LLMs")).toBe(true);
    expect(isPluralPhrase("burnout")).toBe(false);
    expect(isPluralPhrase("the business")).toBe(false);
    expect(isPluralPhrase("GPT-5")).toBe(false);
  });
});
