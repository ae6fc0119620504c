import type { Temperament } from "@threads-agent/contracts";
import type { CallPurpose } from "../types.ts";
import { extractKeyPhrases, headlineOf, isPluralPhrase, reflectToReader } from "./key-phrases.ts";
import { type SeededRandom, seededRandom, seedOf } from "./seeded-random.ts";
import { NEUTRAL_SENTENCES, VOICES } from "./voices.ts";

/** Hooks are asked for "under 90 characters" by the seeded personas' prompts; offline honours it. */
export const HOOK_TARGET_CHARS = 90;
/** Leaves room for the emoji frame and hook inside Threads' 500 characters. */
export const BODY_TARGET_CHARS = 360;

const FALLBACK_TOPIC = "all of this";

type Slots = Record<string, string | null>;

// Words that agree with the topic, singular then plural.
const AGREEMENT: Record<string, [string, string]> = {
  is: ["is", "are"],
  "isn't": ["isn't", "aren't"],
  has: ["has", "have"],
  "doesn't": ["doesn't", "don't"],
  s: ["s", ""],
  it: ["it", "them"],
  they: ["it", "they"],
  They: ["It", "They"],
  "it's": ["it's", "they're"],
  "It's": ["It's", "They're"],
  itself: ["itself", "themselves"],
};

function slotsFor(input: string): Slots {
  const [topic = FALLBACK_TOPIC, detail = topic] = extractKeyPhrases(input, 2);
  const headline = headlineOf(input);
  const plural = isPluralPhrase(topic) ? 1 : 0;
  return {
    topic,
    Topic: capitalise(topic),
    detail,
    headline,
    Headline: headline,
    reflected: reflectToReader(input),
    ...Object.fromEntries(Object.entries(AGREEMENT).map(([slot, forms]) => [slot, forms[plural]])),
  };
}

const capitalise = (text: string) => (text ? text[0]!.toUpperCase() + text.slice(1) : text);

/** The template filled in, or null when it names a slot without a value. */
function render(template: string, slots: Slots): string | null {
  let missing = false;
  const text = template.replace(/\{([\w']+)\}/g, (whole, name: string) => {
    const value = slots[name];
    if (value === undefined) return whole;
    if (value === null) missing = true;
    return value ?? "";
  });
  return missing ? null : text;
}

/** The first template, in seeded order, that renders within `maxChars`; the shortest one otherwise. */
function choose(templates: readonly string[], slots: Slots, random: SeededRandom, maxChars: number): string {
  const rendered = random.shuffle(templates).flatMap((t) => render(t, slots) ?? []);
  return rendered.find((text) => text.length <= maxChars) ?? rendered.sort((a, b) => a.length - b.length)[0] ?? "";
}

function writeHook(temperament: Temperament, taskType: "trend" | "pain", slots: Slots, random: SeededRandom): string {
  const hooks = VOICES[temperament].hooks;
  // Speaking to the person in their own words ("If you can't sleep, ...") reads best, when it fits.
  if (taskType === "pain" && slots.reflected && random.next() < 0.6) {
    const personal = choose(
      hooks.pain.filter((t) => t.includes("{reflected}")),
      slots,
      random,
      HOOK_TARGET_CHARS,
    );
    if (personal.length <= HOOK_TARGET_CHARS && personal) return personal;
  }
  return choose(hooks[taskType], slots, random, HOOK_TARGET_CHARS);
}

function writeBody(temperament: Temperament, taskType: "trend" | "pain", slots: Slots, random: SeededRandom): string {
  const body = VOICES[temperament].body;
  const opener = choose(body.opener[taskType], slots, random, 160);
  const insight = random.next() < 0.6 ? choose(body.insight, slots, random, 140) : "";
  const action = choose(body.action, slots, random, 160);
  const closer = choose(body.closer, slots, random, 80);
  // Two to four sentences, dropping the optional ones first when the phrases made them long.
  for (const parts of [
    [opener, insight, action, closer],
    [opener, action, closer],
    [opener, action],
  ]) {
    const text = parts.filter(Boolean).join(" ");
    if (text.length <= BODY_TARGET_CHARS) return text;
  }
  return [opener, action].join(" ");
}

function writeNeutral(slots: Slots, random: SeededRandom): string {
  const count = 2 + Math.floor(random.next() * 2);
  return random
    .shuffle(NEUTRAL_SENTENCES)
    .slice(0, count)
    .flatMap((t) => render(t, slots) ?? [])
    .join(" ");
}

/**
 * Deterministic, persona-flavoured text for a call: the same persona, step and input always give
 * the same words. Steps other than hook and body get plain neutral prose.
 */
export function writeOffline(purpose: CallPurpose | undefined, prompt: string): string {
  const step = purpose?.step ?? "text";
  const input = purpose?.input?.trim() || prompt;
  const temperament: Temperament = purpose?.persona?.temperament ?? "calm";
  const taskType = purpose?.taskType ?? "trend";
  const random = seededRandom(seedOf(purpose?.persona?.id ?? "", step, input));
  const slots = slotsFor(input);
  if (step === "hook") return writeHook(temperament, taskType, slots, random);
  if (step === "body") return writeBody(temperament, taskType, slots, random);
  return writeNeutral(slots, random);
}
