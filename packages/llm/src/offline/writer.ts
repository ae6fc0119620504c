import { hookStyleMarkers, type SeededHookStyleId, seededHookStyle, type Temperament } from "@threads-agent/contracts";
import type { CallPurpose } from "../types.ts";
import { extractKeyPhrases, headlineOf, type NounPhrase, reflectToReader } from "./key-phrases.ts";
import { type SeededRandom, seededRandom, seedOf } from "./seeded-random.ts";
import { NEUTRAL_SENTENCES, VOICES } from "./voices.ts";

/** Hooks are asked for "under 90 characters" by the seeded personas' prompts; offline honours it. */
export const HOOK_TARGET_CHARS = 90;
/** Leaves room for the emoji frame and hook inside Threads' 500 characters. */
export const BODY_TARGET_CHARS = 360;
/** A body is two to four sentences. */
const BODY_SENTENCES = { min: 2, max: 4 };

/** What the offline writer wrote, and from what: the noun phrases it put in and the style it wrote. */
export type OfflineDraft = {
  text: string;
  /** The input's noun phrases that the text contains, as inserted. */
  phrases: string[];
  /** The seeded style the hook was written in; null without one or for an unknown (persona-defined) style. */
  style: SeededHookStyleId | null;
};

type Slots = Record<string, string | null>;

// Words that agree with a noun phrase, singular then plural.
const AGREEMENT: Record<string, [string, string]> = {
  is: ["is", "are"],
  Is: ["Is", "Are"],
  "isn't": ["isn't", "aren't"],
  has: ["has", "have"],
  Has: ["Has", "Have"],
  Does: ["Does", "Do"],
  "doesn't": ["doesn't", "don't"],
  was: ["was", "were"],
  s: ["s", ""],
  it: ["it", "them"],
  they: ["it", "they"],
  They: ["It", "They"],
  "it's": ["it's", "they're"],
  "It's": ["It's", "They're"],
  itself: ["itself", "themselves"],
};

const capitalise = (text: string) => (text ? text[0]!.toUpperCase() + text.slice(1) : text);

/** The slots a phrase fills: itself, capitalised, and the words that agree with it (`prefix` names them). */
function phraseSlots(name: string, phrase: NounPhrase | undefined, agreementPrefix: string): Slots {
  const slots: Slots = {
    [name]: phrase?.text ?? null,
    [capitalise(name)]: phrase?.canStartSentence ? capitalise(phrase.text) : null,
  };
  for (const [word, forms] of Object.entries(AGREEMENT)) slots[`${agreementPrefix}${word}`] = phrase ? forms[phrase.plural ? 1 : 0] : null;
  return slots;
}

/**
 * A post refers back to what the input introduced with "a": "after a big launch" -> "the big
 * launch", "a new model" -> "the new model". ("your" would misread "lost a client to an AI tool".)
 */
function referTo(phrase: NounPhrase): NounPhrase {
  const indefinite = /^an? (?=\S)/.exec(phrase.text);
  return indefinite ? { ...phrase, text: `the ${phrase.text.slice(indefinite[0].length)}` } : phrase;
}

type Filled = { slots: Slots; phrases: NounPhrase[] };
// The hook and body calls of one task read the same input: tagging it once serves both.
const filledCache = new Map<string, Filled>();
const FILLED_CACHE_SIZE = 256;

function slotsFor(input: string, taskType: "trend" | "pain"): Filled {
  const key = `${taskType}\u0000${input}`;
  const hit = filledCache.get(key);
  if (hit) return hit;
  const filled = fillSlots(input, taskType);
  if (filledCache.size >= FILLED_CACHE_SIZE) filledCache.delete(filledCache.keys().next().value as string);
  filledCache.set(key, filled);
  return filled;
}

function fillSlots(input: string, taskType: "trend" | "pain"): Filled {
  const phrases = extractKeyPhrases(input, 2).map(referTo);
  const [topic, detail = topic] = phrases;
  const headline = headlineOf(input);
  return {
    phrases,
    slots: {
      ...phraseSlots("topic", topic, ""),
      ...phraseSlots("detail", detail, "detail:"),
      headline,
      Headline: headline,
      // A pain statement turned to the reader; trends are not about the reader.
      reflected: taskType === "pain" ? reflectToReader(input) : null,
    },
  };
}

const NOUN_SLOTS = /\{(?:topic|Topic|detail|Detail)\}/;

/** The template filled in, or null when it names a slot without a value. */
function render(template: string, slots: Slots): string | null {
  let missing = false;
  const text = template.replace(/\{([\w':]+)\}/g, (whole, name: string) => {
    const value = slots[name];
    if (value === undefined) return whole;
    if (value === null) missing = true;
    return value ?? "";
  });
  return missing ? null : text;
}

const wordsOf = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+(?:['-][\p{L}\p{N}]+)*/gu) ?? [];

/** No word twice in a row ("about about", "work work"), also across the seam with the text before. */
function readsWell(text: string, previousWord: string | null): boolean {
  const words = wordsOf(text);
  if (previousWord && words[0] === previousWord) return false;
  return words.every((word, i) => i === 0 || word !== words[i - 1]);
}

type Choice = { maxChars: number; previousWord?: string | null; accept?: (text: string) => boolean };

/**
 * The first template, in seeded order, that renders, reads well and fits `maxChars`; templates
 * that carry a noun phrase come first, so the text talks about the input whenever it can.
 * Falls back to the shortest rendering when nothing fits.
 */
function choose(templates: readonly string[], slots: Slots, random: SeededRandom, choice: Choice): string {
  const rendered = random
    .shuffle(templates)
    .flatMap((t) => {
      const text = render(t, slots);
      return text !== null && readsWell(text, choice.previousWord ?? null) && (choice.accept?.(text) ?? true)
        ? [{ text, topical: NOUN_SLOTS.test(t) }]
        : [];
    })
    .sort((a, b) => Number(b.topical) - Number(a.topical));
  const fitting = rendered.find((r) => r.text.length <= choice.maxChars);
  return (fitting ?? [...rendered].sort((a, b) => a.text.length - b.text.length)[0])?.text ?? "";
}

type Context = { temperament: Temperament; taskType: "trend" | "pain"; slots: Slots; random: SeededRandom };

function writeHook(
  { temperament, taskType, slots, random }: Context,
  style: string | null,
): { text: string; style: SeededHookStyleId | null } {
  const hooks = VOICES[temperament].hooks;
  const seeded = seededHookStyle(style);
  if (seeded) {
    const styled = hooks.styles[seeded.id];
    const templates = [...styled.any, ...(styled[taskType] ?? [])];
    // The style's marker is a contract (the Threads emulator classifies by it): only hooks that carry it.
    const text = choose(templates, slots, random, { maxChars: HOOK_TARGET_CHARS, accept: (t) => seeded.marker.test(t) });
    return { text, style: seeded.id };
  }
  // A style this writer does not know: a neutral hook, one that carries no seeded style's marker.
  const accept = style ? (t: string) => hookStyleMarkers(t).length === 0 : undefined;
  // Speaking to the person in their own words ("If you can't sleep, ...") reads best, when it fits.
  if (taskType === "pain" && slots.reflected && random.next() < 0.6) {
    const personal = choose(
      hooks.pain.filter((t) => t.includes("{reflected}")),
      slots,
      random,
      { maxChars: HOOK_TARGET_CHARS, ...(accept ? { accept } : {}) },
    );
    if (personal && personal.length <= HOOK_TARGET_CHARS) return { text: personal, style: null };
  }
  return { text: choose(hooks[taskType], slots, random, { maxChars: HOOK_TARGET_CHARS, ...(accept ? { accept } : {}) }), style: null };
}

const sentenceCount = (text: string) => text.split(/(?<=[.!?])\s+/).filter(Boolean).length;
const lastWord = (text: string | undefined) => (text ? (wordsOf(text).at(-1) ?? null) : null);

function writeBody({ temperament, taskType, slots, random }: Context, hook: string | undefined): string {
  const body = VOICES[temperament].body;
  const opener = choose(body.opener[taskType], slots, random, { maxChars: 160, previousWord: lastWord(hook) });
  const insight = random.next() < 0.6 ? choose(body.insight, slots, random, { maxChars: 140, previousWord: lastWord(opener) }) : "";
  const action = choose(body.action, slots, random, { maxChars: 160, previousWord: lastWord(insight || opener) });
  const closer = choose(body.closer, slots, random, { maxChars: 80, previousWord: lastWord(action) });
  // Two to four sentences within the length, dropping the optional parts first.
  for (const parts of [
    [opener, insight, action, closer],
    [opener, action, closer],
    [opener, insight, action],
    [opener, action],
    [opener, closer],
  ]) {
    const text = parts.filter(Boolean).join(" ");
    const sentences = sentenceCount(text);
    if (!readsWell(text, lastWord(hook))) continue;
    if (text.length <= BODY_TARGET_CHARS && sentences >= BODY_SENTENCES.min && sentences <= BODY_SENTENCES.max) return text;
  }
  return [opener, closer].join(" ");
}

function writeNeutral({ slots, random }: Context): string {
  const count = 2 + Math.floor(random.next() * 2);
  const sentences: string[] = [];
  for (const template of random.shuffle(NEUTRAL_SENTENCES)) {
    const text = render(template, slots);
    if (text !== null && readsWell(text, lastWord(sentences.at(-1))) && !sentences.includes(text)) sentences.push(text);
    if (sentences.length === count) break;
  }
  return sentences.join(" ");
}

// The hook prompt's style line (see the README): "Style: question", optionally with an instruction after it.
const STYLE_LINE = /^[ \t]*Style:[ \t]*([a-z][a-z0-9_]*)\b.*$/gim;

/** The hook style a prompt asks for through its `Style: <id>` line (the last one wins), or null. */
export function styleFromPrompt(prompt: string): string | null {
  return [...prompt.matchAll(STYLE_LINE)].at(-1)?.[1]?.toLowerCase() ?? null;
}

/**
 * Deterministic, persona-flavoured text for a call, with what went into it: the same persona,
 * step, input and style always give the same words. Steps other than hook and body get plain
 * neutral prose.
 */
export function draftOffline(purpose: CallPurpose | undefined, prompt: string): OfflineDraft {
  const step = purpose?.step ?? "text";
  const input = purpose?.input?.trim() || prompt.replace(STYLE_LINE, "").trim();
  const temperament: Temperament = purpose?.persona?.temperament ?? "calm";
  const taskType = purpose?.taskType ?? "trend";
  const style = step === "hook" ? purpose?.hookStyle?.trim().toLowerCase() || styleFromPrompt(prompt) : null;
  // Without a style (or an angle) the seed is what it always was, so unstyled text stays as it was.
  const angle = purpose?.angle ? [`angle:${purpose.angle}`] : [];
  const random = seededRandom(seedOf(purpose?.persona?.id ?? "", step, input, ...(style ? [style] : []), ...angle));
  const { slots, phrases } = slotsFor(input, taskType);
  const context: Context = { temperament, taskType, slots, random };
  let text: string;
  let written: SeededHookStyleId | null = null;
  if (step === "hook") ({ text, style: written } = writeHook(context, style));
  else if (step === "body") text = writeBody(context, purpose?.hook);
  else text = writeNeutral(context);
  return { text, phrases: phrases.map((p) => p.text).filter((p) => text.toLowerCase().includes(p.toLowerCase())), style: written };
}

/** The offline text for a call (see draftOffline). */
export function writeOffline(purpose: CallPurpose | undefined, prompt: string): string {
  return draftOffline(purpose, prompt).text;
}
