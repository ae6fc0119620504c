// Key phrases for the offline writer: the input's noun phrases, found with compromise's
// part-of-speech tagger, so that only a noun phrase ever lands where a template expects one.
// compromise tags words in context; the chunking and the checks around it below correct its
// known slips (a verb tagged as a noun before another noun, a sentence-start capital read as a name).
import nlp from "compromise/two";

export type NounPhrase = {
  /** As it goes into a sentence: "AI agents", "your startup", "the career ladder", "burnout". */
  text: string;
  /** Whether it takes a plural verb ("AI agents are", "burnout is"). */
  plural: boolean;
  /** False when a capital first letter would misspell it ("iPhone sales"). */
  canStartSentence: boolean;
};

type Term = { text: string; pre: string; post: string; tags: Set<string> };

const MAX_CONTENT_WORDS = 3;
const MAX_PHRASE_CHARS = 40;

// Nouns that name nothing a post can talk about: "nobody knows", "everything changed".
const NOT_A_TOPIC = new Set(
  (
    "nobody somebody someone anyone anybody everyone everybody no-one nothing something anything everything thing things stuff " +
    "lot lots kind sort way ways bit one ones time times day days today tonight tomorrow yesterday week weeks year years month " +
    "months hour hours minute minutes moment guys people folks others other inside outside back out here there"
  ).split(" "),
);

// Kept in front of a phrase; first person becomes the reader's, since the writer answers the person.
const DETERMINERS: Record<string, string> = {
  a: "a",
  an: "an",
  the: "the",
  this: "this",
  these: "these",
  my: "your",
  our: "your",
  your: "your",
  their: "their",
  his: "his",
  her: "her",
};

// Short all-caps words that stay acronyms when shouted input is lowered ("AI IS TAKING OUR JOBS").
const ACRONYMS = new Set(
  (
    "AI AGI API APIS ARR B2B CEO CEOS CFO CTO CPU GPU GPUS DM DMS EU EV EVS FAANG FBI FDA GDP GPT HR IPO IT KPI KPIS LLM LLMS ML " +
    "MVP NASA NBA NFL PM PR QA ROI SaaS SEC SEO SQL UI UK UN US USA UX VC VCS VR AR XR"
  )
    .split(" ")
    .map((w) => w.toUpperCase()),
);

// Acronyms that are no English word, so "ai" or "llm" in lower-case input can only mean them.
const LOWERCASE_ACRONYMS = new Set(
  "ai agi api apis ceo ceos cto cfo gpu gpus cpu llm llms nasa usa eu uk fbi fda gdp ipo kpi kpis mvp seo sql ux vr xr faang gpt b2b roi".split(
    " ",
  ),
);

// Nouns that usually go without an article ("burnout is", "remote work"): mass and abstract nouns.
const MASS_NOUN = /(?:tion|sion|ness|ment|ity|ism|ance|ence|ship|hood|dom|ics|ware|work|out|ing|ery|ry|cy|age|ure|th|ty|ce|sm)$/i;

// Emoji with their joiners, variation selectors, skin tones and keycaps; flags as regional indicators.
const PICTOGRAPHS = /(?:\p{Extended_Pictographic}|\p{Regional_Indicator}|\p{Emoji_Modifier}|\u200d|\ufe0f|\u20e3)+/gu;

/** True when most of the input is written in capitals (shouting), not just an acronym or two. */
function isShouted(text: string): boolean {
  const words = text.match(/\p{L}{2,}/gu) ?? [];
  const upper = words.filter((w) => w === w.toUpperCase() && w !== w.toLowerCase());
  return upper.length >= 3 && upper.length / words.length > 0.6 && upper.some((w) => w.length >= 5);
}

function lowerShouting(text: string): string {
  return text.replace(/\p{L}[\p{L}'’]*/gu, (word) =>
    ACRONYMS.has(word.toUpperCase().replace(/['’]S$/, "S")) || word === "I" ? word : word.toLowerCase(),
  );
}

/**
 * The input as the tagger should see it: links, mentions and emoji out (a comma, so phrases do
 * not run across them), hashtags as words ("#RemoteWork" -> "remote work"), curly quotes straight,
 * shouting lowered, first person kept.
 */
export function prepareInput(text: string): string {
  const cleaned = text
    .normalize("NFC")
    .replace(/https?:\/\/\S+|www\.\S+/gi, " , ")
    .replace(/(^|\s)@\w+/g, "$1, ")
    // A hashtag is a topic of its own, not part of the phrase before it.
    .replace(/#(\p{L}[\p{L}\p{N}_]*)/gu, (_whole, tag: string) =>
      /^(?:\p{Lu}\p{Ll}+){2,}$/u.test(tag)
        ? `, ${tag.replace(/(?<=\p{Ll})(?=\p{Lu})/gu, " ").toLowerCase()}`
        : `, ${tag.replace(/_/g, " ")}`,
    )
    .replace(PICTOGRAPHS, " , ")
    .replace(/[’‘]/g, "'")
    // "U.S." -> "US": a dot inside a phrase would read as the end of a sentence.
    .replace(/\b(\p{Lu})\.(\p{Lu})\.(?:(\p{Lu})\.)?/gu, (_whole, a: string, b: string, c = "") => `${a}${b}${c}`)
    .replace(/[“”«»]/g, '"')
    .replace(/[ \t]+/g, " ")
    .replace(/(?:\s*,\s*){2,}/g, ", ")
    .replace(/^[\s,]+|[\s,]+$/g, "");
  return isShouted(cleaned)
    ? lowerShouting(cleaned)
    : cleaned.replace(/\b\p{Ll}{2,5}\b/gu, (word) => (LOWERCASE_ACRONYMS.has(word) ? word.toUpperCase() : word));
}

type Doc = ReturnType<typeof nlp>;
const termsOf = (text: string | Doc): Term[][] =>
  (typeof text === "string" ? nlp(text) : text)
    .json()
    .map((sentence: { terms: { text: string; pre: string; post: string; tags: string[] }[] }) =>
      sentence.terms.map((t) => ({ text: t.text, pre: t.pre, post: t.post, tags: new Set(t.tags) })),
    );

// compromise's own word lists: the lexicon's tag per word, and the words it knows can be noun or verb.
const model = nlp.model() as {
  one: { lexicon: Record<string, string | undefined> };
  two: { switches: Record<string, string | undefined> };
};
const lexicon = model.one.lexicon;
const switches = model.two.switches;

/** compromise knows the word as possibly a verb ("cut", "looks", "rates"). */
const canBeVerb = (word: string) => /Verb/.test(switches[word.toLowerCase()] ?? "") || lexicon[word.toLowerCase()] === "Infinitive";

const isNoun = (t: Term) =>
  t.tags.has("Noun") &&
  !t.tags.has("Pronoun") &&
  !t.tags.has("Date") &&
  !t.tags.has("Duration") &&
  !t.tags.has("Url") &&
  !t.tags.has("AtMention") &&
  !t.tags.has("Emoji") &&
  !t.tags.has("Emoticon") &&
  !t.tags.has("Expression") &&
  !t.tags.has("QuestionWord") &&
  !NOT_A_TOPIC.has(t.text.toLowerCase()) &&
  /\p{L}/u.test(t.text);
const isName = (t: Term) => t.tags.has("ProperNoun") || t.tags.has("Acronym") || /\p{Lu}/u.test(t.text.slice(1));
// Punctuation that ends a phrase: anything but a hyphen joining compound parts, or an apostrophe.
const breaksAfter = (t: Term) => /[^\s\-']/.test(t.post);
const breaksBefore = (t: Term) => /[^\s]/.test(t.pre);
const joinerAfter = (t: Term) => (/^-\s*$/.test(t.post) ? "-" : " ");

type Chunk = { determiner: string | null; terms: Term[]; sentenceStart: boolean; next: Term | undefined };

/** Runs of Determiner? (Adjective|Ordinal)* Noun+ (Name Number)? in each sentence, split where a run cannot be one phrase. */
function chunksOf(sentences: Term[][]): Chunk[] {
  const out: Chunk[] = [];
  for (const terms of sentences) {
    let current: Chunk | null = null;
    let nounSeen = false;
    const flush = (next: Term | undefined) => {
      if (current) out.push({ ...current, next });
      current = null;
      nounSeen = false;
    };
    const chunkAt = (index: number, determiner: string | null = null): Chunk => {
      current ??= { determiner, terms: [], sentenceStart: index === 0, next: undefined };
      return current;
    };
    terms.forEach((t, i) => {
      const lower = t.text.toLowerCase();
      if (breaksBefore(t)) flush(t);
      const previous: Term | undefined = (current as Chunk | null)?.terms.at(-1);
      const hyphenated = previous !== undefined && joinerAfter(previous) === "-";
      // compromise tags "my" and "our" as possessive nouns, "the" and "a" as determiners.
      const isDeterminer = t.tags.has("Determiner") || (t.tags.has("Possessive") && !/'s$/i.test(t.text));
      if (isDeterminer && DETERMINERS[lower] && !hyphenated) {
        flush(t);
        chunkAt(i, DETERMINERS[lower]);
      } else if ((t.tags.has("Adjective") || t.tags.has("Ordinal")) && !t.tags.has("Noun")) {
        if (nounSeen && !hyphenated) flush(t);
        chunkAt(i).terms.push(t);
      } else if (isNoun(t)) {
        chunkAt(i).terms.push(t);
        nounSeen = true;
      } else if (t.tags.has("Value") && previous && nounSeen && (hyphenated || isName(previous)) && /^\d{1,4}[a-z]?$/i.test(t.text)) {
        // "GPT-5", "Windows 11": a number that is part of a name.
        chunkAt(i).terms.push(t);
      } else {
        flush(t);
      }
      if (breaksAfter(t)) flush(terms[i + 1]);
    });
    flush(undefined);
  }
  return out;
}

const isContent = (t: Term) => isNoun(t) || t.tags.has("Value");

/** The chunk's phrases after correcting the tagger's slips; a chunk may split in two. */
function phrasesOf(chunk: Chunk): Chunk[] {
  let terms = [...chunk.terms];
  // A phrase ends with its noun (or a name's number): "big" in "the launch was big" is no phrase.
  while (terms.length && !isContent(terms.at(-1)!)) terms.pop();
  if (!terms.some(isNoun)) return [];
  // "The Fed cut interest rates", "layoffs hit 12,000 people": a noun-or-verb word right after a
  // name or a plural is the sentence's verb, so the run is two phrases.
  // Likewise a word right after a plural inside the run ("electric cars outsold gas cars"), and a
  // noun-or-verb plural before a name ("Anthropic ships Claude").
  for (let i = 1; i < terms.length - 1; i++) {
    const [before, term, after] = [terms[i - 1]!, terms[i]!, terms[i + 1]!];
    const joined = joinerAfter(before) === "-" || joinerAfter(term) === "-";
    const verbAfterName = canBeVerb(term.text) && isNoun(before) && (isName(before) || before.tags.has("Plural"));
    const wordAfterPlural = isNoun(before) && before.tags.has("Plural");
    const pluralVerbBeforeName = term.tags.has("Plural") && canBeVerb(term.text) && isName(after);
    if (!joined && (verbAfterName || wordAfterPlural || pluralVerbBeforeName)) {
      return [
        ...phrasesOf({ ...chunk, terms: terms.slice(0, i), next: terms[i] }),
        ...phrasesOf({ determiner: null, terms: terms.slice(i + 1), sentenceStart: false, next: chunk.next }),
      ];
    }
  }
  // "Google hit 12,000 people": the same at the end of the run, when an object follows.
  const final = terms.at(-1)!;
  const beforeFinal = terms.at(-2);
  if (
    beforeFinal &&
    canBeVerb(final.text) &&
    !final.tags.has("Plural") &&
    (isName(beforeFinal) || beforeFinal.tags.has("Plural")) &&
    joinerAfter(beforeFinal) !== "-" &&
    chunk.next &&
    !breaksAfter(final) &&
    /Noun|Value|Determiner|Adjective/.test([...chunk.next.tags].join(" "))
  ) {
    return phrasesOf({ ...chunk, terms: terms.slice(0, -1), next: final });
  }
  // "long-term" (before a misread "plans"): a hyphenated adjective compound is no noun phrase.
  if (beforeFinal && joinerAfter(beforeFinal) === "-" && beforeFinal.tags.has("Adjective") && terms.length === 2) return [];
  // "what the career ladder looks like": a final noun-or-verb plural after a singular noun, followed
  // by what follows verbs, is the verb.
  const last = terms.at(-1)!;
  const afterLast = chunk.next;
  if (
    terms.length > 1 &&
    last.tags.has("Plural") &&
    canBeVerb(last.text) &&
    terms.at(-2)!.tags.has("Singular") &&
    afterLast &&
    (/^(?:like|up|down|out|off|away|back)$/i.test(afterLast.text) ||
      afterLast.tags.has("Adverb") ||
      afterLast.tags.has("Determiner") ||
      afterLast.tags.has("Adjective"))
  ) {
    terms = terms.slice(0, -1);
  }
  let determiner = chunk.determiner;
  let sentenceStart = chunk.sentenceStart && !determiner;
  // "Feeling stuck", "replacing junior developers": a leading -ing word without an article is an action.
  while (terms.length > 1 && !determiner && /^\p{L}+ing$/u.test(terms[0]!.text) && !isName(terms[0]!)) {
    terms = terms.slice(1);
    sentenceStart = false;
  }
  if (terms.length === 1 && !determiner && /^\p{L}+ing$/u.test(terms[0]!.text) && !isName(terms[0]!)) return [];
  // Long runs usually hide a misread verb at their front: keep the head and its closest modifiers.
  if (terms.filter(isContent).length > MAX_CONTENT_WORDS || terms.length > MAX_CONTENT_WORDS + 1) {
    terms = terms.slice(-MAX_CONTENT_WORDS);
    determiner = null;
    sentenceStart = false;
  }
  return [{ determiner, terms, sentenceStart, next: chunk.next }];
}

// Precompiled once: compromise parses a match string on every call otherwise.
const NOT_IN_A_NOUN_PHRASE = nlp.parseMatch("(#Verb|#Adverb|#Preposition|#Conjunction|#QuestionWord|#Expression)");
const PLAIN_PRONOUN = nlp.parseMatch("#Pronoun");

/**
 * Whether compromise, tagging the phrase on its own, reads it as one noun phrase: determiners,
 * possessives, adjectives, numbers and nouns only, ending in its noun (or a name's number), with no
 * verb, adverb, preposition or conjunction. (Tags, not `nouns()`: the chunker costs ~3 ms a call.)
 */
export function isNounPhrase(phrase: string): boolean {
  // Phrases recur across inputs ("AI", "your startup"): each is tagged once.
  let known = nounPhrases.get(phrase);
  if (known === undefined) {
    known = tagsAsNounPhrase(phrase);
    if (nounPhrases.size >= NOUN_PHRASE_CACHE_SIZE) nounPhrases.delete(nounPhrases.keys().next().value as string);
    nounPhrases.set(phrase, known);
  }
  return known;
}

const nounPhrases = new Map<string, boolean>();
const NOUN_PHRASE_CACHE_SIZE = 2048;

function tagsAsNounPhrase(phrase: string): boolean {
  const doc = nlp(phrase);
  if (doc.has(NOT_IN_A_NOUN_PHRASE) || doc.match(PLAIN_PRONOUN).not("#Possessive").found) return false;
  const terms = termsOf(doc);
  if (terms.length !== 1) return false;
  const words = terms[0]!;
  const fits = (t: Term) =>
    t.tags.has("Noun") || t.tags.has("Adjective") || t.tags.has("Determiner") || t.tags.has("Value") || t.tags.has("Possessive");
  const last = words.at(-1);
  const head = last?.tags.has("Value") && words.length > 1 ? words.at(-2) : last;
  return words.every(fits) && !!head?.tags.has("Noun");
}

const SINGULAR_ENDINGS = /(ss|us|is|ics|news)$/i;

/** Whether a phrase takes a plural verb, by compromise's tags of its head noun. */
export function isPluralPhrase(phrase: string): boolean {
  const terms = termsOf(phrase).flat();
  const head = [...terms].reverse().find((t) => t.tags.has("Noun") || t.tags.has("Value"));
  if (!head || head.tags.has("Value") || head.tags.has("Uncountable")) return false;
  if (head.tags.has("Plural")) return !SINGULAR_ENDINGS.test(head.text) || /^\p{Lu}{2,}s$/u.test(head.text);
  return false;
}

// Sounds, not letters, choose the article: "an hour", "a unicorn", "an LLM", "an 8-hour day".
const AN_ACRONYM = /^[AEFHILMNORSX](?:[\p{Lu}\d]|$)/u;
export function indefiniteArticle(word: string): "a" | "an" {
  if (/^\p{Lu}{2,}/u.test(word)) return AN_ACRONYM.test(word) ? "an" : "a";
  if (/^(?:8|11|18|8\d)(?!\d)/.test(word)) return "an";
  if (/^(?:hour|honest|honou?r|heir)/i.test(word)) return "an";
  if (/^(?:uni|use|usu|uti|ura|uro|eu|ewe|one|once|ubi)/i.test(word)) return "a";
  return /^[aeiou]/i.test(word) ? "an" : "a";
}

/** compromise's lexicon says the lowercased word is a name ("Elon", "Austin", "NASA"). */
const knownName = (word: string) => /Person|Place|Country|City|Organization|FirstName|LastName/.test(lexicon[word.toLowerCase()] ?? "");

/** The phrase's words in the casing a sentence can use, and whether it reads as a name. */
function casedWords(chunk: Chunk, capitalisedMidSentence: Set<string>): string[] {
  const words = chunk.terms.map((t) => t.text.replace(/[.]+$/, (dots) => (/\p{L}\.\p{L}/u.test(t.text) ? dots : "")));
  const first = chunk.terms[0]!;
  const word = words[0]!;
  // "Elon Musk", "New Delhi": a capital followed by another capitalised word is a name, not a sentence's first letter.
  const nameContinues = /^\p{Lu}/u.test(words[1] ?? "");
  if (
    chunk.sentenceStart &&
    /^\p{Lu}\p{Ll}+$/u.test(word) &&
    !nameContinues &&
    !capitalisedMidSentence.has(word.toLowerCase()) &&
    !knownName(word)
  ) {
    // A capital that is only there because the word starts the sentence. A lone unknown singular
    // subject ("Tesla launches", "Elon says") is more likely a name than a bare count noun.
    const loneSubject = chunk.terms.length === 1 && !first.tags.has("Plural") && !MASS_NOUN.test(word) && !first.tags.has("Uncountable");
    const lexiconWord = lexicon[word.toLowerCase()] !== undefined;
    if (!loneSubject || lexiconWord) words[0] = word.toLowerCase();
  }
  return words.map((w, i) =>
    (chunk.terms[i]!.tags.has("Person") || chunk.terms[i]!.tags.has("Place")) && /^\p{Ll}+$/u.test(w)
      ? w[0]!.toUpperCase() + w.slice(1)
      : w,
  );
}

function joinTerms(terms: Term[], words: string[]): string {
  return words.map((w, i) => (i < words.length - 1 ? w + joinerAfter(terms[i]!) : w)).join("");
}

/** A bare singular count noun needs an article ("the career ladder"); names and mass nouns do not. */
function needsArticle(chunk: Chunk, words: string[]): boolean {
  if (chunk.determiner) return false;
  const head = chunk.terms.at(-1)!;
  if (head.tags.has("Plural") || head.tags.has("Uncountable") || head.tags.has("Value")) return false;
  if (chunk.terms.some((t) => isName(t) || t.tags.has("Possessive"))) return false;
  if (words.some((w) => /\p{Lu}|\d/u.test(w))) return false;
  return !MASS_NOUN.test(head.text);
}

const cache = new Map<string, NounPhrase[]>();
const CACHE_SIZE = 256;

/**
 * Up to `max` noun phrases of `text`, best first (longer, named and repeated phrases first, earlier
 * ones on ties), each checked by compromise on its own to be one noun phrase.
 */
export function extractKeyPhrases(text: string, max = 3): NounPhrase[] {
  const key = `${max}\u0000${text}`;
  const hit = cache.get(key);
  if (hit) return hit;
  // Plurality re-tags the phrase: only for the phrases returned.
  const found = rankPhrases(text)
    .slice(0, max)
    .map((phrase) => ({ ...phrase, plural: isPluralPhrase(phrase.text) }));
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(key, found);
  return found;
}

function rankPhrases(text: string): Omit<NounPhrase, "plural">[] {
  const sentences = termsOf(prepareInput(text));
  const capitalisedMidSentence = new Set(
    sentences.flatMap((terms) => terms.slice(1).flatMap((t) => (/^\p{Lu}/u.test(t.text) ? [t.text.toLowerCase()] : []))),
  );
  const chunks = chunksOf(sentences).flatMap(phrasesOf);
  const frequency = new Map<string, number>();
  for (const chunk of chunks)
    for (const t of chunk.terms) frequency.set(t.text.toLowerCase(), (frequency.get(t.text.toLowerCase()) ?? 0) + 1);

  const scored = new Map<string, { phrase: Omit<NounPhrase, "plural">; score: number; order: number }>();
  chunks.forEach((chunk, order) => {
    const words = casedWords(chunk, capitalisedMidSentence);
    const bare = joinTerms(chunk.terms, words);
    const lone = chunk.terms.length === 1 ? chunk.terms[0]! : null;
    // Single short words say little ("go", "ok"), except acronyms ("AI", "VR").
    if (lone && bare.length < 3 && !/^\p{Lu}{2}$/u.test(bare)) return;
    // A lone word that is as often a verb ("fix", "sleep", "work") is, without an article, most often the verb.
    if (lone && !chunk.determiner && canBeVerb(bare) && !isName(lone)) return;
    let determiner = chunk.determiner;
    if (!determiner && needsArticle(chunk, words)) determiner = "the";
    if (determiner === "a" || determiner === "an") determiner = indefiniteArticle(words[0]!);
    const phraseText = determiner ? `${determiner} ${bare}` : bare;
    if (phraseText.length > MAX_PHRASE_CHARS || /[.!?]\s|["()[\]{}]/.test(phraseText)) return;
    if (!isNounPhrase(phraseText)) return;
    let score = 0;
    for (const t of chunk.terms) {
      if (t.tags.has("Adjective") || t.tags.has("Ordinal")) score += 0.5;
      else score += 1 + Math.min(t.text.length, 10) / 10;
      if (isName(t)) score += 1;
      score += ((frequency.get(t.text.toLowerCase()) ?? 1) - 1) * 0.5;
    }
    // The input's first phrases are usually its subject ("Electric cars outsold gas cars").
    score += Math.max(0, 1 - order * 0.5);
    const lower = bare.toLowerCase();
    const previous = scored.get(lower);
    if (previous) previous.score += 0.5;
    else
      scored.set(lower, {
        phrase: { text: phraseText, canStartSentence: !/^\p{Ll}+\p{Lu}/u.test(phraseText) },
        score,
        order,
      });
  });

  const ranked = [...scored.values()].sort((a, b) => b.score - a.score || a.order - b.order);
  const chosen: Omit<NounPhrase, "plural">[] = [];
  for (const { phrase } of ranked) {
    const lower = phrase.text.toLowerCase();
    if (chosen.some((c) => c.text.toLowerCase().includes(lower) || lower.includes(c.text.toLowerCase()))) continue;
    chosen.push(phrase);
  }
  return chosen;
}

const STATE_OPENERS =
  /^(feeling|struggling|dealing|trying|worried|scared|tired|stuck|lost|overwhelmed|burned|burnt|exhausted|anxious|lonely|grieving)\b/i;

const SECOND_PERSON: Record<string, string> = {
  i: "you",
  "i'm": "you're",
  "i've": "you've",
  "i'll": "you'll",
  "i'd": "you'd",
  me: "you",
  my: "your",
  mine: "yours",
  myself: "yourself",
  am: "are",
  was: "were",
  "wasn't": "weren't",
};

// What a clause quoted into a template may contain: words and light punctuation, nothing that
// would end a sentence or open a quote inside the template's own sentence.
const QUOTABLE = /^[\p{L}\p{N} ,'&%$-]+$/u;

/**
 * A first-person statement turned to the reader ("I can't sleep" -> "you can't sleep"), so a reply
 * can speak to the person; null when the input is not a short first-person statement.
 */
export function reflectToReader(text: string, maxChars = 70): string | null {
  let sentence = prepareInput(text)
    .trim()
    .split(/(?<=[.!?])\s|\n/)[0]
    ?.replace(/[.!?,]+$/, "")
    .trim();
  if (!sentence || sentence.length > maxChars || !QUOTABLE.test(sentence)) return null;
  // "Feeling burned out after…" is first person with the "I'm" left out.
  if (STATE_OPENERS.test(sentence)) sentence = `I'm ${sentence[0]!.toLowerCase()}${sentence.slice(1)}`;
  if (!/^(i|i'm|i've|i'd|i'll|my)\b/i.test(sentence)) return null;
  const reflected = sentence.replace(
    /\b(i'm|i've|i'll|i'd|i|me|my|mine|myself|am|was|wasn't)\b/gi,
    (word) => SECOND_PERSON[word.toLowerCase()] ?? word,
  );
  return endsCleanly(reflected) ? reflected : null;
}

/** The clause does not stop on a word that needs a continuation ("about", "the", "and"). */
function endsCleanly(clause: string): boolean {
  return !nlp(clause).terms().last().has("(#Preposition|#Determiner|#Conjunction|#Possessive)");
}

/**
 * The input's first sentence when it reads as a headline (a subject, then a verb: "OpenAI releases
 * GPT-5") and is short and plain enough to quote, else null. First-person statements and commands
 * are not headlines.
 */
export function headlineOf(text: string, maxChars = 60): string | null {
  const first = prepareInput(text)
    .trim()
    .split(/(?<=[.!?])\s|\n/)[0]
    ?.trim()
    .replace(/[.!]+$/, "");
  if (!first || first.length > maxChars || first.length < 8 || !QUOTABLE.test(first)) return null;
  // "iPhone 17 is out" cannot start a sentence with a capital without misspelling it.
  if (/^\p{Ll}+\p{Lu}/u.test(first) || !endsCleanly(first)) return null;
  const terms = termsOf(first).flat();
  const opening = terms[0];
  if (!opening || !(isNoun(opening) || opening.tags.has("Determiner") || opening.tags.has("Adjective"))) return null;
  if (opening.tags.has("Possessive") || /^\p{L}+ing$/u.test(opening.text) || !terms.some((t) => t.tags.has("Verb"))) return null;
  // Names the input left in lower case ("austin") get their capital back.
  const cased = terms
    .map((t) => {
      const word =
        (t.tags.has("Person") || t.tags.has("Place")) && /^\p{Ll}/u.test(t.text) ? t.text[0]!.toUpperCase() + t.text.slice(1) : t.text;
      return `${t.pre}${word}${t.post}`;
    })
    .join("")
    .trim()
    .replace(/[.!]+$/, "");
  return cased[0]!.toUpperCase() + cased.slice(1);
}
