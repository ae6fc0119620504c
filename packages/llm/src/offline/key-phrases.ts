// Key phrases for the offline writer: a RAKE-style extractor (Rose et al., 2010). Candidate
// phrases are runs of content words between stop words and punctuation; each word scores
// degree/frequency, a phrase the sum of its words, with a bonus for names and acronyms.

const STOP_WORDS = new Set(
  (
    "a about above after again against all almost also am an and any are aren't around as at be because been before being below " +
    "between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each either else even " +
    "ever every few for from further get gets getting got had hadn't has hasn't have haven't having he he's her here here's hers " +
    "herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself just let's like many may me might " +
    "more most much must mustn't my myself need needs never no nor not now of off often on once one only or other ought our ours " +
    "ourselves out over own quite rather really same shall shan't she she'd she'll she's should shouldn't since so some still such " +
    "than that that's the their theirs them themselves then there there's these they they'd they'll they're they've thing things " +
    "this those though through to too under until up upon us very via was wasn't we we'd we'll we're we've were weren't what what's " +
    "when when's where where's whether which while who who's whom why why's will with within without won't would wouldn't yet you " +
    "you'd you'll you're you've your yours yourself yourselves " +
    // Frequent verbs and fillers: splitting at them leaves the nouns a post can talk about.
    "feel feels felt feeling keep keeps kept know knows knew make makes made making say says said see seen seems think thinks " +
    "thought want wants wanted go goes going gone went come comes came take takes took try tries trying tried use uses used " +
    "announce announces announced launches launched releases released reveal reveals revealed reports reported become becomes became look looks looking lot lots today yesterday tomorrow week anymore anyone anything " +
    "everyone everything someone something nothing nobody always sometimes usually maybe probably actually literally basically " +
    "totally completely enough way ways according per despite among across toward towards amid including run runs ran lose " +
    "loses lost quit quits left leave leaves hit hits raise raises raised drop drops dropped ship ships shipped turn turns turned " +
    "start starts started stop stops stopped two three four five six seven eight nine ten hundred thousand million billion " +
    "next last year years month months week weeks tonight"
  ).split(" "),
);

// Common verbs that are rarely nouns, in all their regular forms: a phrase ends where one starts
// ("NASA engineers | prefer | remote work"). Verbs that double as nouns (work, change, build) stay out.
for (const verb of (
  "prefer believe seem replace remain allow enable create require include expect predict warn claim argue suggest " +
  "reveal show find pass gain bring give buy sell hire fire pay win beat miss grow rise fall struggle fail succeed hurt cause " +
  "destroy save improve reduce increase boost cut slash double triple ban block approve reject sue invest acquire " +
  "threaten promise decide refuse admit deny"
).split(" ")) {
  const stem = verb.replace(/e$/, "");
  for (const form of [verb, `${verb}s`, `${verb}es`, `${stem}ed`, `${stem}ing`]) STOP_WORDS.add(form);
}
for (const irregular of "found gave given brought bought sold paid won beaten grew grown rose risen fell fallen shown".split(" ")) {
  STOP_WORDS.add(irregular);
}

const MAX_PHRASE_WORDS = 3;
const MAX_PHRASE_CHARS = 40;

type Candidate = { words: string[]; sentenceStart: boolean; determiner: string | null };

// Kept in front of a phrase so it reads naturally ("your new city", "the career ladder"); first
// person becomes the reader's, since the offline writer answers the person who wrote the input.
const DETERMINERS: Record<string, string> = { a: "a", an: "an", the: "the", my: "your", our: "your", your: "your", their: "their" };

// Words (letters/digits with inner apostrophes, hyphens, dots as in "GPT-5" or "Node.js").
const WORD = /[\p{L}\p{N}](?:[\p{L}\p{N}'’.+-]*[\p{L}\p{N}+])?/gu;

function cleanInput(text: string): string {
  return text
    .replace(/https?:\/\/\S+/g, " . ")
    .replace(/[@#](\w+)/g, "$1")
    .replace(/[’]/g, "'")
    .replace(/(\d),(\d{3})\b/g, "$1$2");
}

function candidates(text: string): Candidate[] {
  const out: Candidate[] = [];
  // Sentence and clause punctuation ends a phrase; sentence ends also mark where capitals are not names.
  for (const sentence of cleanInput(text).split(/[.!?\n]+(?:\s|$)/)) {
    let first = true;
    for (const clause of sentence.split(/[,;:()[\]{}"“”|/\\]+|\s[-–—]\s/)) {
      let run: string[] = [];
      let runStartsSentence = false;
      let previous: string | null = null;
      let determiner: string | null = null;
      const flush = () => {
        // A long run usually hides a verb: "Humanoid robots | entering | car factories".
        const participle = run.findIndex((word, i) => i > 0 && /^\p{Ll}+ing$/u.test(word));
        if (run.length > MAX_PHRASE_WORDS && participle > 0) {
          const rest = run.slice(participle + 1);
          run = run.slice(0, participle);
          flush();
          run = rest;
          determiner = null;
          runStartsSentence = false;
        }
        let words = run.slice(-MAX_PHRASE_WORDS);
        let startsSentence = runStartsSentence && run.length <= MAX_PHRASE_WORDS;
        // "replacing junior developers": a leading -ing verb without an article is an action, not the topic.
        if (!determiner && words.length > 1 && /^\p{Ll}+ing$/u.test(words[0]!)) {
          words = words.slice(1);
          startsSentence = false;
        }
        // A trailing adverb ("prices rise quickly") adds nothing to a topic.
        if (words.length > 1 && /^\p{Ll}+ly$/u.test(words.at(-1)!)) words = words.slice(0, -1);
        if (words.length) out.push({ words, sentenceStart: startsSentence, determiner: words.length === run.length ? determiner : null });
        run = [];
      };
      for (const match of clause.matchAll(WORD)) {
        const word = match[0];
        const atStart = first;
        first = false;
        if (STOP_WORDS.has(word.toLowerCase()) || /^\d{1,2}$/.test(word)) {
          flush();
          previous = word.toLowerCase();
          continue;
        }
        if (run.length === 0) {
          runStartsSentence = atStart;
          determiner = previous ? (DETERMINERS[previous] ?? null) : null;
        }
        run.push(word);
        previous = word.toLowerCase();
      }
      flush();
    }
  }
  return out;
}

// "GPT-5", "OpenAI", "NASA": names carry a post. Numbers ("2000 managers", "1000-cycle") do not.
const isAcronymOrName = (word: string) =>
  /^\p{Lu}[\p{Lu}\p{N}.+-]+$/u.test(word) || /\p{Lu}/u.test(word.slice(1)) || /^\p{L}.*\d/u.test(word);

/**
 * Up to `max` key phrases of `text`, best first, in the casing a sentence can use: a capital that is
 * only there because the word starts a sentence is lowered; names and acronyms keep theirs.
 */
export function extractKeyPhrases(text: string, max = 3): string[] {
  const found = candidates(text);
  const frequency = new Map<string, number>();
  const degree = new Map<string, number>();
  const midSentenceCapital = new Set<string>();
  for (const { words, sentenceStart } of found) {
    words.forEach((word, i) => {
      const key = word.toLowerCase();
      frequency.set(key, (frequency.get(key) ?? 0) + 1);
      degree.set(key, (degree.get(key) ?? 0) + words.length);
      if (/^\p{Lu}/u.test(word) && !(sentenceStart && i === 0)) midSentenceCapital.add(key);
    });
  }

  const scored = new Map<string, { phrase: string; score: number; order: number }>();
  found.forEach(({ words, sentenceStart, determiner }, order) => {
    const cased = words.map((word, i) => {
      const key = word.toLowerCase();
      const startCapital = sentenceStart && i === 0 && /^\p{Lu}\p{Ll}*$/u.test(word) && !midSentenceCapital.has(key);
      return startCapital ? key : word;
    });
    const bare = cased.join(" ");
    // Single short words say little ("go", "ok"), except two-letter acronyms ("AI", "VR").
    if (bare.length > MAX_PHRASE_CHARS || (words.length === 1 && words[0]!.length < 3 && !/^\p{Lu}{2}$/u.test(words[0]!))) return;
    const phrase = determiner ? `${determiner} ${bare}` : bare;
    let score = 0;
    for (const word of words) {
      const key = word.toLowerCase();
      score += (degree.get(key) ?? 1) / (frequency.get(key) ?? 1);
      if (isAcronymOrName(word) || midSentenceCapital.has(key)) score += 1;
      // Longer words carry more meaning than short ones ("regulation" vs "big").
      score += Math.min(word.length, 10) / 10;
    }
    // A lone -ing word ("shipping", "moving") is usually an action, not the subject.
    if (words.length === 1 && /^\p{Ll}+ing$/u.test(words[0]!)) score -= 1;
    // A phrase led by a bare number is usually a statistic, not the subject.
    if (/^\d+$/.test(words[0]!)) score -= 2;
    const key = bare.toLowerCase();
    const previous = scored.get(key);
    if (!previous) scored.set(key, { phrase, score, order });
    else previous.score += 0.5; // repetition means it matters
  });

  const ranked = [...scored.values()].sort((a, b) => b.score - a.score || a.order - b.order);
  const chosen: string[] = [];
  for (const { phrase } of ranked) {
    const lower = phrase.toLowerCase();
    if (chosen.some((c) => c.toLowerCase().includes(lower) || lower.includes(c.toLowerCase()))) continue;
    chosen.push(phrase);
    if (chosen.length === max) break;
  }
  return chosen;
}

const SINGULAR_ENDINGS = /(ss|us|is|ics|news)$/i;

/** Whether a phrase takes a plural verb ("AI agents are"): judged from its last word. */
export function isPluralPhrase(phrase: string): boolean {
  const last = phrase.split(" ").at(-1) ?? "";
  if (/^\p{Lu}{2,}s$/u.test(last)) return true; // LLMs, APIs
  return last.length > 3 && /s$/.test(last) && !SINGULAR_ENDINGS.test(last) && !/\p{Lu}/u.test(last.slice(1));
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

/**
 * A first-person statement turned to the reader ("I can't sleep" -> "you can't sleep"), so a reply
 * can speak to the person; null when the input is not a short first-person statement.
 */
export function reflectToReader(text: string, maxChars = 70): string | null {
  let sentence = cleanInput(text)
    .trim()
    .split(/(?<=[.!?])\s|\n/)[0]
    ?.replace(/[.!?]+$/, "")
    .trim();
  if (!sentence || sentence.length > maxChars) return null;
  // "Feeling burned out after…" is first person with the "I'm" left out.
  if (STATE_OPENERS.test(sentence)) sentence = `I'm ${sentence[0]!.toLowerCase()}${sentence.slice(1)}`;
  if (!/^(i|i'm|i've|i'd|i'll|my)\b/i.test(sentence)) return null;
  return sentence.replace(
    /\b(i'm|i've|i'll|i'd|i|me|my|mine|myself|am|was|wasn't)\b/gi,
    (word) => SECOND_PERSON[word.toLowerCase()] ?? word,
  );
}

/** The input's first sentence when it is short enough to quote as a headline, else null. */
export function headlineOf(text: string, maxChars = 60): string | null {
  const first = text
    .replace(/https?:\/\/\S+/g, "")
    .trim()
    .split(/(?<=[.!?])\s|\n/)[0]
    ?.trim()
    .replace(/[.!]+$/, "");
  if (!first || first.length > maxChars || first.length < 8 || /\?$/.test(first)) return null;
  return first[0]!.toUpperCase() + first.slice(1);
}
