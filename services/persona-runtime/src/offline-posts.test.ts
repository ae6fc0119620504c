// What the offline model publishes, judged as a reader would: ~250 varied inputs, for both seeded
// personas, every seeded hook style and none, written by the offline provider through the LLM
// router with persona-runtime's own prompts and clean-up (and a share through the persona graph
// itself, which must give the same words). Grammar is measured with compromise's own tagger,
// independently of the writer's checks.
import { context } from "@opentelemetry/api";
import {
  type GenerateFrame,
  HOOK_STYLES,
  hookStyleMarkers,
  newId,
  type PersonaSpec,
  SEEDED_HOOK_STYLE_IDS,
  type TaskType,
  THREADS_MAX_CHARS,
} from "@threads-agent/contracts";
import { DEFAULT_PERSONAS } from "@threads-agent/db";
import { createLlmRouter } from "@threads-agent/llm";
import { draftOffline, extractKeyPhrases } from "@threads-agent/llm/offline";
import { createMetrics } from "@threads-agent/observability";
import nlp from "compromise";
import { describe, expect, it } from "vitest";
import { configSchema } from "./config.ts";
import { generateFrames } from "./generate.ts";
import { createModelChoice } from "./model-choice.ts";
import { BODY_MAX_TOKENS, buildPersonaGraph, HOOK_MAX_TOKENS, normalizeInput } from "./persona-graph.ts";
import { cleanBody, cleanHook, formatPost, HOOK_MAX_CHARS } from "./post-format.ts";
import { angleLine, fillTemplate, hookPromptFor } from "./prompts.ts";

const TRENDS = [
  "OpenAI releases GPT-5 with native agents",
  "AI agents are replacing junior developers at startups",
  "Tesla launches a robotaxi service in Austin",
  "The Fed cut interest rates by 50 basis points",
  "Layoffs at Google hit 12,000 people",
  "Remote work is here to stay, even NASA engineers prefer it",
  "Quantum computers crack encryption faster than expected",
  "Humanoid robots are entering car factories next year",
  "Apple unveils a foldable iPhone",
  "SpaceX lands Starship on the first try",
  "Solar panels now cost less than coal in India",
  "The EU passes a new AI law",
  "Microsoft buys a gaming studio for $7 billion",
  "Nvidia stock jumps 9% after record earnings",
  "A new study says 4-day work weeks boost productivity",
  "Electric cars outsold gas cars in Norway",
  "Meta opens the Threads API to developers",
  "LLMs are eating software",
  "Startups are hiring fewer engineers this year",
  "Netflix raises prices again",
  "Amazon tests drone delivery in Texas",
  "Open source models are catching up with GPT-4",
  "Python overtakes JavaScript on GitHub",
  "Vertical farms are coming to big cities",
  "Self-driving trucks start hauling freight",
  "Chip shortages are back",
  "Inflation is falling faster than economists expected",
  "Schools ban phones in classrooms",
  "Mark Zuckerberg bets on smart glasses",
  "The new MacBook has 24 hours of battery life",
  "Anthropic ships Claude with computer use",
  "Coffee prices doubled since 2020",
  "Gen Z is quitting social media",
  "Nuclear fusion startup claims a breakthrough",
  "A Reddit thread about burnout went viral",
  "Duolingo replaces contractors with AI",
  "Waymo expands to 10 new cities",
  "Airlines add Wi-Fi to every seat",
  "The housing market cools down in the US",
  "Video games are now bigger than movies",
];

const PAINS = [
  "Feeling burned out after a big launch",
  "I can't sleep because of anxiety about my job",
  "Stuck in a job I hate",
  "my startup ran out of money",
  "I feel so lonely since moving to a new city",
  "Dealing with imposter syndrome at my first dev job",
  "I got laid off last week and I don't know what to do",
  "My manager ignores my ideas in every meeting",
  "I'm exhausted from caring for my mom",
  "Overwhelmed by student loans",
  "I failed my driving test again",
  "My cofounder quit three weeks before our demo day",
  "I can't focus on anything lately",
  "Worried about money all the time",
  "Nobody replies to my job applications",
  "I'm scared of public speaking",
  "My team missed another deadline",
  "Grieving my dog",
  "I keep comparing myself to everyone online",
  "Tired of starting over at 40",
  "My side project has zero users after 6 months",
  "I'm the only woman on my engineering team",
  "Our kids never put their phones down",
  "I lost my best client to an AI tool",
  "My code review got 47 comments",
  "I moved to Berlin and I don't speak German",
  "Struggling to pay rent in San Francisco",
  "My PhD advisor stopped answering my emails",
  "I can't stop doomscrolling at night",
  "My small business got a one-star review",
  "I feel behind everyone my age",
  "Anxious about my first marathon",
  "My parents don't understand my career",
  "I was passed over for promotion again",
  "My back hurts from sitting all day",
  "I have 300 unread emails",
  "My friend group fell apart after college",
  "The CEO announced a return to office",
  "I keep missing my gym sessions",
  "Lost my motivation to code",
];

/** Ways a person writes the same thing: the 10 surface forms the test crosses with the inputs. */
const FORMS: ((text: string, other: string) => string)[] = [
  (t) => t,
  (t) => t.toLowerCase(),
  (t) => t.toUpperCase(),
  (t) => `"${t}" - is this for real?`,
  (t) => `${t} https://news.example.com/story?id=42`,
  (t, _o) => `${t} 😭🙏`,
  (t) => `🚀 ${t} #TechNews @someone`,
  (t, o) => `${t}. ${o}. What do you think, honestly?`,
  (t) => `${t}!!!`,
  (t) => t.split(" ").slice(0, 3).join(" "),
];

const ODD_INPUTS = ["?!? ...", "ok", "🔥🔥🔥", "2026", "so so tired", "WHY", "lol", "AI", "help", "it's fine"];

type Case = { input: string; taskType: TaskType };

/** ~250 inputs, the same every run: each base input in three of the ten forms, plus odd ones. */
function corpus(): Case[] {
  const cases: Case[] = [];
  const add = (bases: string[], taskType: TaskType) =>
    bases.forEach((base, i) => {
      const other = bases[(i + 5) % bases.length]!;
      for (const form of [i % 10, (i + 3) % 10, (i + 7) % 10]) cases.push({ input: FORMS[form]!(base, other), taskType });
    });
  add(TRENDS, "trend");
  add(PAINS, "pain");
  ODD_INPUTS.forEach((input, i) => {
    cases.push({ input, taskType: i % 2 ? "pain" : "trend" });
  });
  return cases;
}

const persona = (id: string): PersonaSpec => DEFAULT_PERSONAS.find((p) => p.id === id)!;
const PERSONAS = [persona("ai-jesus"), persona("ai-elon")];
const STYLES: (string | undefined)[] = [undefined, ...SEEDED_HOOK_STYLE_IDS];

// The service's defaults without keys: every call is served offline, the default blocklist guards.
const config = configSchema.parse({});
const graph = buildPersonaGraph({
  llm: createLlmRouter(),
  models: createModelChoice(config),
  blocklist: config.GUARDRAIL_BLOCKLIST,
  llmTimeoutMs: config.LLM_TIMEOUT_MS,
  metrics: (() => {
    const metrics = createMetrics("offline-posts-test");
    return {
      stepLatency: metrics.histogram("request_latency_seconds", "step latency", ["phase"], [0.01, 0.1, 1]),
      tokens: metrics.counter("llm_tokens_total", "tokens", ["model"]),
    };
  })(),
});

/** A post through the persona graph, as persona-runtime's /v1/generate writes it. */
async function post(c: Case, who: PersonaSpec, style: string | undefined, angle = 0) {
  const frames: GenerateFrame[] = [];
  const request = {
    task_id: newId(),
    persona: who,
    input: c.input,
    task_type: c.taskType,
    ...(style ? { hook_style: style } : {}),
    ...(angle ? { angle } : {}),
  };
  for await (const frame of generateFrames(graph, request, { signal: new AbortController().signal, traceContext: context.active() })) {
    frames.push(frame);
  }
  const result = frames.at(-1);
  if (result?.type !== "result") throw new Error(`${JSON.stringify(c)} ${who.id} ${style}: ${JSON.stringify(result)}`);
  return result;
}

const llm = createLlmRouter();

/**
 * A post the way the graph's hook, body and format steps write it (same prompts, purpose, budgets
 * and clean-up), without LangGraph's ~4 ms per run: the corpus runs thousands of posts, and the
 * test checks that this equals the graph's post for a share of every persona and style.
 */
async function composedPost(c: Case, who: PersonaSpec, style: string | undefined, angle = 0) {
  const input = normalizeInput(c.input);
  const persona = { id: who.id, name: who.name, temperament: who.temperament };
  const signal = new AbortController().signal;
  const redraft = angle ? { angle } : {};
  const hookCompletion = await llm.complete({
    model: "offline/hook",
    prompt: hookPromptFor(who, input, style ?? null, { angle }),
    maxTokens: HOOK_MAX_TOKENS,
    signal,
    purpose: { step: "hook", persona, input, taskType: c.taskType, ...(style ? { hookStyle: style } : {}), ...redraft },
  });
  const hook = cleanHook(hookCompletion.text, who.emoji);
  const bodyCompletion = await llm.complete({
    model: "offline/body",
    prompt: [fillTemplate(who.body_prompt, { input, hook }), ...(angle ? [angleLine(undefined)] : [])].join("\n\n"),
    maxTokens: BODY_MAX_TOKENS,
    signal,
    purpose: { step: "body", persona, input, taskType: c.taskType, hook, ...redraft },
  });
  const formatted = formatPost({ emoji: who.emoji, hook, body: cleanBody(bodyCompletion.text, hook) });
  return { hook, body: formatted.body, text: formatted.text };
}

// --- How the text is judged -------------------------------------------------------------------

/**
 * Length as Threads counts it: a character each, except emoji, which count as their UTF-8 bytes.
 * Contracts has no helper for this yet: every code point of an emoji sequence (pictographs,
 * joiners, variation selectors, skin tones, flags) is counted at its UTF-8 size, which is an upper bound.
 */
function threadsLength(text: string): number {
  let length = 0;
  for (const point of text) {
    const emoji = /\p{Extended_Pictographic}|\p{Emoji_Modifier}|\p{Regional_Indicator}|\u200d|\ufe0f|\u20e3/u.test(point);
    length += emoji ? Buffer.byteLength(point, "utf8") : 1;
  }
  return length;
}

const words = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+(?:['-][\p{L}\p{N}]+)*/gu) ?? [];
const sentences = (text: string) => text.split(/(?<=[.!?])\s+/).filter(Boolean);

function repeatedWord(text: string): string | null {
  const all = words(text);
  const i = all.findIndex((w, j) => j > 0 && w === all[j - 1]);
  return i > 0 ? `${all[i - 1]} ${all[i]}` : null;
}

/** Memoised per text: posts share most of their sentences and phrases, and tagging costs ~1 ms. */
function memo<T>(judge: (text: string) => T): (text: string) => T {
  const verdicts = new Map<string, T>();
  return (text) => {
    if (!verdicts.has(text)) verdicts.set(text, judge(text));
    return verdicts.get(text) as T;
  };
}

/** compromise's noun-phrase chunker reads the phrase, on its own, as exactly one noun phrase with nothing else in it. */
const isNounPhraseByCompromise = memo((phrase) => {
  const doc = nlp(phrase);
  const nouns = doc.nouns();
  return (
    nouns.length === 1 &&
    nouns.text("normal") === doc.text("normal") &&
    !doc.has("(#Verb|#Adverb|#Preposition|#Conjunction)") &&
    !doc.match("#Pronoun").not("#Possessive").found
  );
});

/** compromise tags the phrase's head (its last word) as a plural noun. */
const isPlural = memo((phrase) => nlp(phrase).terms().last().has("#Plural"));
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const VERB_NUMBER: [RegExp, boolean][] = [
  [/^(?:is|isn't|has|doesn't|was|feels|needs|comes|changes)$/, false],
  [/^(?:are|aren't|have|don't|were|feel|need|come|change)$/, true],
];

/**
 * Where the phrase is a subject (starting a sentence or clause: "AI agents are", "if burnout has"),
 * the verb after it agrees with compromise's count of it; so does a question's opening verb.
 */
function agreementProblem(text: string, phrase: string): string | null {
  const plural = isPlural(phrase);
  const subject = `(?:^|[.!?:;]\\s+|\\b(?:if|when|what if|until|and|but|that|whether)\\s+)`;
  for (const match of text.matchAll(new RegExp(`${subject}${escapeRegExp(phrase)} (\\S+)`, "giu"))) {
    const verb = match[1]!.replace(/[.,!?:;]+$/, "").toLowerCase();
    for (const [pattern, wantsPlural] of VERB_NUMBER) if (pattern.test(verb) && wantsPlural !== plural) return `${phrase} ${verb}`;
  }
  for (const match of text.matchAll(new RegExp(`\\b(Is|Are|Has|Have|Does|Do) ${escapeRegExp(phrase)}\\b`, "giu"))) {
    const wantsPlural = /^(?:are|have|do)$/i.test(match[1]!);
    if (wantsPlural !== plural) return `${match[1]} ${phrase}`;
  }
  return null;
}

/** "a"/"an" against the sound of the next word, by spelling rules independent of the writer's. */
function articleProblem(text: string): string | null {
  for (const match of text.matchAll(/\b(a|an) ([\p{L}\p{N}][\p{L}\p{N}-]*)/giu)) {
    const [, article, next] = match as unknown as [string, string, string];
    const acronym = /^\p{Lu}{2,}/u.test(next);
    const vowelSound = acronym
      ? /^[AEFHILMNORSX]/.test(next)
      : /^(?:hour|honest|honou?r|heir|8|11|18)/i.test(next) || (/^[aeiou]/i.test(next) && !/^(?:uni|use|usu|uti|eu|one|once)/i.test(next));
    if ((article.toLowerCase() === "an") !== vowelSound) return `${article} ${next}`;
  }
  return null;
}

/**
 * A sentence that stops on a word needing a continuation: a preposition by compromise's tags
 * ("struggling with."), an article or possessive ("the.", "your."), a coordinating conjunction.
 */
const danglingEnd = memo((sentence) => {
  const last = nlp(sentence).terms().last();
  return last.has("#Preposition") || last.has("(a|an|the|my|your|our|their|and|or|but|because)");
});

/** `angle` 1: the redraft of a near-duplicate, written from another angle (the same rules hold). */
type Written = { input: string; persona: string; style: string; angle: number; hook: string; body: string; text: string };

describe("offline posts across varied inputs", () => {
  const cases = corpus();
  const written: Written[] = [];
  const problems: string[] = [];
  const problem = (w: Omit<Written, "text">, what: string) =>
    problems.push(`${what} | ${w.persona} ${w.style} | ${JSON.stringify(w.input)}`);

  it("has at least 200 distinct inputs of every kind", () => {
    const inputs = new Set(cases.map((c) => c.input));
    expect(inputs.size).toBeGreaterThanOrEqual(200);
    const kinds = {
      lowercase: (t: string) => t === t.toLowerCase() && /\p{L}/u.test(t),
      capitals: (t: string) => t === t.toUpperCase() && /\p{L}{4}/u.test(t),
      quotes: (t: string) => t.includes('"'),
      urls: (t: string) => t.includes("https://"),
      emoji: (t: string) => /\p{Extended_Pictographic}/u.test(t),
      numbers: (t: string) => /\d/.test(t),
      long: (t: string) => t.length > 80,
      short: (t: string) => t.split(" ").length <= 3,
      pain: (t: string) => cases.some((c) => c.input === t && c.taskType === "pain"),
    };
    for (const [kind, test] of Object.entries(kinds)) expect([...inputs].filter(test).length, kind).toBeGreaterThanOrEqual(10);
  });

  it("writes every post as the pipeline does, deterministically", { timeout: 600_000 }, async () => {
    let turn = 0;
    for (const c of cases) {
      for (const who of PERSONAS) {
        // Every style, and a redraft from another angle in one style in turn.
        const redraftStyle = STYLES[turn++ % STYLES.length];
        for (const [style, angle] of [...STYLES.map((s) => [s, 0] as const), [redraftStyle, 1] as const]) {
          const result = await composedPost(c, who, style, angle);
          written.push({
            input: c.input,
            persona: who.id,
            style: style ?? "none",
            angle,
            hook: result.hook,
            body: result.body,
            text: result.text,
          });
        }
      }
    }
    // The persona graph, asked the same (every input, each persona, no style and one style in
    // turn), writes the same words: the composition above is the pipeline's, and it is deterministic.
    let index = 0;
    for (const c of cases) {
      for (const who of PERSONAS) {
        for (const style of [undefined, SEEDED_HOOK_STYLE_IDS[index++ % SEEDED_HOOK_STYLE_IDS.length]]) {
          const fromGraph = await post(c, who, style);
          const first = written.find((w) => w.input === c.input && w.persona === who.id && w.style === (style ?? "none") && !w.angle);
          expect(fromGraph.text, `${c.input} ${who.id} ${style}`).toBe(first?.text);
        }
        const redraft = written.find((w) => w.input === c.input && w.persona === who.id && w.angle === 1) as Written;
        if (index % 7 === 0) {
          const fromGraph = await post(c, who, redraft.style === "none" ? undefined : redraft.style, 1);
          expect(fromGraph.text, `redraft of ${c.input} ${who.id} ${redraft.style}`).toBe(redraft.text);
        }
      }
    }
    expect(written).toHaveLength(cases.length * PERSONAS.length * (STYLES.length + 1));
  });

  it("reads like a person wrote it", () => {
    expect(written.length).toBeGreaterThan(0);
    for (const w of written) {
      const whole = `${w.hook} ${w.body}`;
      const repeated = repeatedWord(whole);
      if (repeated) problem(w, `repeated word "${repeated}"`);
      for (const sentence of [...sentences(w.hook), ...sentences(w.body)]) {
        if (!/^[\p{Lu}\p{N}]/u.test(sentence)) problem(w, `sentence without a capital: ${sentence}`);
        if (!/[.!?]$/.test(sentence)) problem(w, `sentence without an end: ${sentence}`);
        if (danglingEnd(sentence.replace(/[.!?]+$/, ""))) problem(w, `dangling end: ${sentence}`);
      }
      const article = articleProblem(whole);
      if (article) problem(w, `article: ${article}`);
      if (/[{}]/.test(whole)) problem(w, "unfilled placeholder");
    }
    expect(problems).toEqual([]);
  });

  it("puts only noun phrases, by compromise's tagging, where the templates put the input", () => {
    let inserted = 0;
    for (const w of written) {
      const c = cases.find((x) => x.input === w.input)!;
      const who = persona(w.persona);
      const voice = { id: who.id, name: who.name, temperament: who.temperament };
      const input = normalizeInput(c.input);
      const style = w.style === "none" ? null : w.style;
      // The same call the graph made, asked for what went into it.
      const redraft = w.angle ? { angle: w.angle } : {};
      const hook = draftOffline(
        { step: "hook", persona: voice, input, taskType: c.taskType, ...(style ? { hookStyle: style } : {}), ...redraft },
        hookPromptFor(who, input, style, { angle: w.angle }),
      );
      const body = draftOffline({ step: "body", persona: voice, input, taskType: c.taskType, hook: w.hook, ...redraft }, "");
      if (hook.text !== w.hook || body.text !== w.body) problem(w, "the draft differs from the published post");
      for (const [text, phrases] of [
        [w.hook, hook.phrases],
        [w.body, body.phrases],
      ] as const) {
        for (const phrase of phrases) {
          inserted++;
          if (!isNounPhraseByCompromise(phrase)) problem(w, `not a noun phrase: "${phrase}"`);
          const agreement = agreementProblem(text, phrase);
          if (agreement) problem(w, `agreement: ${agreement}`);
        }
      }
      // An input with a noun phrase gets a post about it.
      if (extractKeyPhrases(input).length > 0 && hook.phrases.length + body.phrases.length === 0) problem(w, "no phrase of the input used");
    }
    expect(problems).toEqual([]);
    expect(inserted).toBeGreaterThan(written.length);
  });

  it("writes the hook style asked for, and a neutral or default hook otherwise", () => {
    for (const w of written) {
      if (w.style === "none") continue;
      const style = HOOK_STYLES[w.style as keyof typeof HOOK_STYLES];
      if (!style.marker.test(w.hook)) problem(w, `hook lacks the ${w.style} marker: ${w.hook}`);
    }
    expect(problems).toEqual([]);
  });

  it("keeps the voice, the body length and the post format", () => {
    const jesus = written.filter((w) => w.persona === "ai-jesus");
    const elon = written.filter((w) => w.persona === "ai-elon");
    for (const w of written) {
      const who = persona(w.persona);
      if (w.text !== `${who.emoji} ${w.hook} ${who.emoji}\n\n${w.body}`) problem(w, "format");
      if (threadsLength(w.text) > THREADS_MAX_CHARS) problem(w, `${threadsLength(w.text)} characters as Threads counts them`);
      if (w.hook.length > HOOK_MAX_CHARS || w.hook.length > 90) problem(w, `hook of ${w.hook.length} characters`);
      const count = sentences(w.body).length;
      if (count < 2 || count > 4) problem(w, `body of ${count} sentences`);
    }
    expect(problems).toEqual([]);
    // The kind voice never hypes; the hype voice builds.
    expect(jesus.filter((w) => /\b(?:build|ship|10x|first principles)\b/i.test(w.body)).length).toBe(0);
    expect(elon.filter((w) => /\b(?:build|building|ship|prototype|first principles)\b/i.test(w.body)).length).toBeGreaterThan(
      elon.length / 2,
    );
    expect(
      jesus.filter((w) => /\b(?:kind|kindness|grace|loved|peace|patience|gentle|mercies|compassion)\b/i.test(w.text)).length,
    ).toBeGreaterThan(jesus.length / 2);
  });

  it("writes a redraft from another angle that differs from the first draft", () => {
    const redrafts = written.filter((w) => w.angle === 1);
    expect(redrafts.length).toBe(cases.length * PERSONAS.length);
    const same = redrafts.filter((r) =>
      written.some((w) => !w.angle && w.input === r.input && w.persona === r.persona && w.style === r.style && w.text === r.text),
    );
    // Another seed picks other templates: nearly every redraft reads differently.
    expect(same.length).toBeLessThan(redrafts.length * 0.1);
  });

  it("prints ten posts for ten varied inputs (quoted in the engagement issue's closing note)", async () => {
    const samples: [string, TaskType, PersonaSpec, string | undefined][] = [
      ["OpenAI releases GPT-5 with native agents", "trend", persona("ai-elon"), "bold_number"],
      ["I can't sleep before big exams", "pain", persona("ai-jesus"), "question"],
      ["Nvidia stock jumps 9% after record earnings", "trend", persona("ai-elon"), "contrarian"],
      ["my cofounder quit and I don't know how to tell the team", "pain", persona("ai-jesus"), "short_story"],
      ["NASA and ESA plan a joint Mars sample return by 2031", "trend", persona("ai-elon"), "how_to"],
      ["Feeling burned out after a big launch", "pain", persona("ai-jesus"), undefined],
      ["LLMs", "trend", persona("ai-elon"), "question"],
      [
        "Elon Musk says Tesla will ship 1 million robotaxis next year, while regulators in California and Texas disagree on the rules",
        "trend",
        persona("ai-elon"),
        "contrarian",
      ],
      ["I feel stuck in a job that pays well but drains me every single day", "pain", persona("ai-jesus"), "how_to"],
      ["The EU passes a new AI law", "trend", persona("ai-jesus"), "bold_number"],
    ];
    const lines: string[] = [];
    for (const [input, taskType, who, style] of samples) {
      const result = await post({ input, taskType }, who, style);
      expect(result.text.length).toBeGreaterThan(0);
      lines.push(`--- ${who.id} · ${taskType} · ${style ?? "no style"} · input: ${JSON.stringify(input)}\n${result.text}`);
    }
    console.log(`[offline posts]\n${lines.join("\n")}`);
  });

  it("answers an unknown (persona-defined) style with a neutral hook", async () => {
    for (const c of cases.filter((_c, i) => i % 5 === 0)) {
      for (const who of PERSONAS) {
        const result = await post(c, who, "myth_busting");
        expect(hookStyleMarkers(result.hook), result.hook).toEqual([]);
      }
    }
  });
});
