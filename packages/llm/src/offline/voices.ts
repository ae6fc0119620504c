import type { SeededHookStyleId, Temperament } from "@threads-agent/contracts";

// What the offline writer says, per temperament. Placeholders:
// - {topic}, {detail}: noun phrases of the input ({Topic}, {Detail} capitalised to start a
//   sentence). Templates put them only where a noun phrase goes: as a subject, after a
//   preposition, or as an object ("about {topic}", "{Topic} is", "debating {detail}");
// - {headline}: the input's first sentence, when it reads as a headline short enough to quote;
// - {reflected}: a first-person pain statement turned to the reader ("you can't sleep"), a clause;
// - words that agree with the topic's number ("agents are", "burnout is"): {is} {isn't} {has}
//   {doesn't} {was} {s} (verb ending), {it} (object), {they}/{They} (subject), {it's}/{It's},
//   {itself}, and question openers {Is} {Has} {Does}; {detail:is} etc. agree with the detail.
// A template is only used when every placeholder it names has a value, so each list also holds
// templates without {topic}/{detail} for inputs without a usable noun phrase.

type Lines = readonly string[];
/** Hooks of one style: for either task type, and only for trends or only for pain statements. */
export type StyleHooks = { any: Lines; trend?: Lines; pain?: Lines };

export type Voice = {
  hooks: { trend: Lines; pain: Lines; styles: Record<SeededHookStyleId, StyleHooks> };
  body: {
    opener: { trend: Lines; pain: Lines };
    insight: Lines;
    action: Lines;
    closer: Lines;
  };
};

export const VOICES: Record<Temperament, Voice> = {
  kind: {
    hooks: {
      trend: [
        "There's a lot of noise about {topic}. Let's hold it with some grace.",
        "{Headline}. Before we react, let's remember the people behind it.",
        "Whatever you feel about {topic}, you're allowed to feel it gently.",
        "{Topic} {is} on everyone's mind. Here's a kinder way to look at {it}.",
        "Before the noise gets louder, let's be gentle with each other.",
      ],
      pain: [
        "If {reflected}, you are not alone in this.",
        "To anyone going through {topic} right now: you are seen.",
        "{Topic} can feel heavy. You don't have to carry {it} alone.",
        "Some days, {topic} feel{s} like too much. Rest is allowed.",
        "If today feels heavy, you are not alone in it.",
      ],
      styles: {
        question: {
          any: [
            "What would change if we met {topic} with a little more grace?",
            "{Has} {topic} been weighing on your heart lately?",
            "Who do you talk to when the news about {topic} feels heavy?",
            "When did someone last ask how you're really doing?",
            "What if rest is the bravest thing you do today?",
          ],
          pain: ["If {reflected}, who is holding space for you?"],
        },
        bold_number: {
          any: [
            "3 words for anyone facing {topic}: you are loved.",
            "1 reminder about {topic}: you are more than this moment.",
            "2 truths about {topic}: you matter, and you are not behind.",
            "3 words for anyone struggling today: you are loved.",
            "5 minutes of kindness can change someone's whole day.",
          ],
        },
        contrarian: {
          any: [
            "Unpopular opinion: {topic} {doesn't} get to decide your worth.",
            "Hot take: the kindest answer to {topic} is also the wisest one.",
            "Unpopular opinion: rest is not something you have to earn.",
            "Hot take: gentleness is a strength, not a weakness.",
          ],
        },
        short_story: {
          any: [
            "Yesterday a friend told me about {topic}, and I mostly listened.",
            "This morning I prayed for everyone worried about {topic}.",
            "Last week someone asked me how to face {topic}. I said: gently.",
            "Yesterday a stranger held the door for me, and it changed my whole day.",
            "Years ago I learned that nobody heals on a schedule.",
          ],
        },
        how_to: {
          any: [
            "How to face {topic} without losing your peace.",
            "How to be kind to yourself on a hard day.",
            "Here's how to carry a little less today.",
          ],
          trend: ["Here's how to stay gentle while everyone argues about {topic}."],
          pain: [
            "Here's how to be gentle with yourself through {topic}.",
            "How to keep going when {reflected}.",
            "Here's how to breathe again if {reflected}.",
          ],
        },
      },
    },
    body: {
      opener: {
        trend: [
          "So much of the talk around {topic} is loud, but underneath it are people trying their best.",
          "{Topic} will change some things, but {they} can't change how much you matter.",
          "It's easy to feel left behind by {topic}, and that feeling deserves compassion, not shame.",
          "So much of the talk right now is loud, but underneath it are people trying their best.",
        ],
        pain: [
          "What you're feeling about {topic} is real, and it doesn't make you weak.",
          "It's okay if {topic} {has} left you tired; healing rarely moves in straight lines.",
          "Carrying {topic} quietly takes more strength than most people see.",
          "What you're feeling is real, and it doesn't make you weak.",
        ],
      },
      insight: [
        "Kindness still reaches further than any technology we've built.",
        "Every one of us is learning as we go, and that deserves patience.",
        "Hope isn't pretending it's easy; it's trusting it won't always be this hard.",
        "Grace grows in small, ordinary moments.",
      ],
      action: [
        "Today, send one message to someone who might be anxious about {detail}.",
        "Offer one person a little patience today, maybe yourself first.",
        "If you can, sit with someone who is worried about {detail} and simply listen.",
        "Write down one thing about {detail} you can forgive, and let it go.",
      ],
      closer: ["You are more loved than you know.", "Peace be with you today.", "Small mercies add up."],
    },
  },
  hype: {
    hooks: {
      trend: [
        "{Headline}. We are so early it's not even funny.",
        "{Topic} {is} about to change everything. Buckle up.",
        "Everyone's sleeping on {topic}. Huge mistake.",
        "{Topic} just went from sci-fi to shipping. Let's go.",
        "The future is arriving faster than anyone planned. Buckle up.",
      ],
      pain: [
        "{Topic} {isn't} a wall. {It's} an engineering problem.",
        "If {reflected}, good news: that's solvable.",
        "Every hard problem looks like {topic} before someone fixes it.",
        "{Topic}? Let's break {it} down to first principles.",
        "Every wall is just an engineering problem nobody has solved yet.",
      ],
      styles: {
        question: {
          any: ["What would you build if failure were impossible?", "What if the hard part is the opportunity?"],
          trend: [
            "{Is} {topic} overhyped, or are we still early?",
            "Why is nobody building for {topic} yet?",
            "What if {topic} {is} the biggest opportunity of the decade?",
          ],
          pain: ["If {reflected}, what would you build to fix it?", "What if {topic} {is} the push you needed?"],
        },
        bold_number: {
          any: ["100x progress starts with 1 prototype. Go build.", "3 words for every hard problem: build, measure, repeat."],
          trend: ["3 reasons {topic} will look obvious in 5 years.", "90% of the people laughing at {topic} will be using {it} soon."],
          pain: ["2 steps to beat {topic}: break {it} down, then build."],
        },
        contrarian: {
          any: [
            "Unpopular opinion: {topic} {isn't} the problem. Slow iteration is.",
            "Hot take: most problems are engineering problems in disguise.",
            "Unpopular opinion: the best time to build is when everyone is scared.",
          ],
          trend: ["Hot take: {topic} {is} still massively underrated."],
          pain: ["Hot take: {topic} {is} a solvable problem, not a life sentence."],
        },
        short_story: {
          any: [
            "Last week a tiny team shipped what the experts called impossible.",
            "This morning I woke up more excited about the future than ever.",
          ],
          trend: [
            "Years ago people laughed at the idea of {topic}. Nobody's laughing now.",
            "Last night I couldn't stop thinking about {topic}. We are so early.",
            "Yesterday I went deep on {topic}. The upside is enormous.",
          ],
          pain: [
            "Last week a friend told me about {topic}. We broke {it} into fixable parts.",
            "Years ago I faced something like {topic}. It became my best lesson.",
          ],
        },
        how_to: {
          any: [
            "Here's how to think about {topic} from first principles.",
            "How to build something great this week.",
            "Here's how to move 10x faster.",
          ],
          trend: ["How to turn {topic} into your next big build."],
          pain: ["Here's how to fix it if {reflected}.", "How to turn {topic} into a problem you can solve."],
        },
      },
    },
    body: {
      opener: {
        trend: [
          "{Topic} {is} the kind of shift that happens maybe once a decade.",
          "Look at {topic} from first principles and the upside is enormous.",
          "The curve on {topic} is going vertical and most people haven't noticed.",
          "This is the kind of shift that happens maybe once a decade.",
        ],
        pain: [
          "Strip {topic} down to first principles and you get a set of solvable constraints.",
          "{Topic} feel{s} huge until you split {it} into parts you can actually fix.",
          "Every great company started as someone refusing to accept {topic}.",
          "Strip any problem down to first principles and you get a set of solvable constraints.",
        ],
      },
      insight: [
        "Costs are dropping, tools are getting better, and the builders are already moving.",
        "Every breakthrough looked crazy right up until it shipped.",
        "Physics is the only real limit; everything else is a recommendation.",
        "Iteration speed beats perfection every single time.",
      ],
      action: [
        "Pick one problem around {detail} and ship a prototype this week.",
        "Stop debating {detail} and start building.",
        "Build the thing. Measure it. Make it 10x better.",
        "Find the hardest question about {detail} and answer it first.",
      ],
      closer: ["The future belongs to the people who build it. Let's go.", "Go build.", "We are just getting started."],
    },
  },
  calm: {
    hooks: {
      trend: [
        "A quiet thought on {topic}, now that the hype has settled.",
        "{Headline}. Worth a slower look than the headlines give it.",
        "Let's take a breath and look at {topic} clearly.",
        "{Topic} {doesn't} need a hot take. {They} need{s} a clear one.",
        "A quiet thought, now that the noise has settled.",
      ],
      pain: [
        "If {reflected}, pause for a moment. Breathe.",
        "{Topic} feel{s} loud right now. {They} won't always.",
        "A gentle reminder for anyone dealing with {topic}.",
        "{Topic} {is} a season, not a verdict.",
        "A gentle reminder for anyone having a hard week.",
      ],
      styles: {
        question: {
          any: [
            "What do you actually know about {topic}, once the noise fades?",
            "Could {topic} wait until you have had some rest?",
            "What would today look like if you slowed down?",
          ],
        },
        bold_number: {
          any: [
            "3 slow breaths before you decide anything about {topic}.",
            "1 quiet question about {topic}: what do you actually know?",
            "10 minutes of quiet can make a loud week feel smaller.",
          ],
        },
        contrarian: {
          any: [
            "Unpopular opinion: {topic} {doesn't} need an urgent reaction.",
            "Hot take: the calmest view of {topic} is usually the right one.",
            "Unpopular opinion: most things can wait until tomorrow.",
          ],
        },
        short_story: {
          any: [
            "This morning I read about {topic} and then went for a long walk.",
            "Last week a friend asked me about {topic}. I asked for a day to think.",
            "Years ago I learned that the loudest week is rarely the most important.",
          ],
        },
        how_to: {
          any: [
            "How to think about {topic} without the noise.",
            "Here's how to take {topic} one step at a time.",
            "How to slow down when everything feels urgent.",
          ],
          pain: ["How to find some calm when {reflected}."],
        },
      },
    },
    body: {
      opener: {
        trend: [
          "{Topic} {is} getting a lot of attention, and most of it is louder than it needs to be.",
          "Underneath the headlines about {topic}, the real change is slower and more human.",
          "It's worth asking what {topic} actually change{s} on an ordinary Tuesday.",
          "Underneath the headlines, the real change is usually slower and more human.",
        ],
        pain: [
          "{Topic} can make everything feel urgent at once.",
          "When {topic} {is} heavy, the mind tends to race ahead.",
          "There's no right speed for working through {topic}.",
          "A hard season can make everything feel urgent at once.",
        ],
      },
      insight: [
        "Most things that matter unfold over years, not news cycles.",
        "Clarity usually arrives after the noise, not during it.",
        "Steady attention beats anxious reaction.",
        "You don't have to decide everything today.",
      ],
      action: [
        "Take ten minutes today to write down what you actually know about {detail}.",
        "Try one slow breath before you decide anything about {detail}.",
        "Choose one small, steady step and let that be enough for today.",
        "Notice, without judging, how often you think about {detail} today.",
      ],
      closer: ["There's time.", "Go gently.", "The rest can wait until tomorrow."],
    },
  },
  witty: {
    hooks: {
      trend: [
        "{Headline}. My group chat has entered its philosopher era.",
        "Everyone is suddenly an expert on {topic}, and so is my aunt.",
        "Me, nodding confidently about {topic} like I read past the headline.",
        "{Topic} walked in and everyone suddenly became an expert.",
        "My group chat has entered its philosopher era again.",
      ],
      pain: [
        "{Topic}: the side quest nobody signed up for.",
        "If {reflected}, congratulations, you're officially human.",
        "Nobody warned us that {topic} came without an instruction manual.",
        "{Topic} {has} entered the chat. Again.",
        "Adulting came without an instruction manual, and it shows.",
      ],
      styles: {
        question: {
          any: [
            "Is it just me, or is everyone suddenly an expert on {topic}?",
            "Who had {topic} on their bingo card this year?",
            "Why does every week come with a new crisis to have opinions about?",
          ],
        },
        bold_number: {
          any: [
            "3 stages of {topic}: panic, memes, quiet acceptance.",
            "100% of my opinions about {topic} formed in the shower.",
            "3 stages of every news week: panic, memes, quiet acceptance.",
          ],
        },
        contrarian: {
          any: [
            "Hot take: {topic} {is} a group project with better branding.",
            "Unpopular opinion: nobody understands {topic}, some just have better lighting.",
            "Hot take: most hot takes should have stayed in the oven.",
          ],
        },
        short_story: {
          any: [
            "Yesterday my aunt asked me to explain {topic}. I faked it.",
            "Last night I read one thread about {topic} and became insufferable.",
            "This morning my coffee and I had a serious talk about life choices.",
          ],
        },
        how_to: {
          any: [
            "How to sound smart about {topic} without reading past the headline.",
            "Here's how to survive {topic} with your sense of humour intact.",
            "How to survive a week like this one with snacks and dignity.",
          ],
        },
      },
    },
    body: {
      opener: {
        trend: [
          "Every few months we collectively decide {topic} {is} either the end of the world or the answer to it.",
          "{Topic} {has} officially reached the stage where my aunt has opinions about {it}.",
          "Half the internet thinks {topic} {is} magic and the other half thinks {it's} a scam.",
          "Every few months we collectively decide something is either the end of the world or the answer to it.",
        ],
        pain: [
          "{Topic} {has} a talent for showing up uninvited and rearranging the furniture.",
          "Nobody puts {topic} on their five-year plan, and yet here we are.",
          "If {topic} were a houseguest, {they} would definitely overstay.",
          "Life has a talent for showing up uninvited and rearranging the furniture.",
        ],
      },
      insight: [
        "The truth, annoyingly, is somewhere in the boring middle.",
        "Plot twist: the fundamentals still matter.",
        "Turns out the real upgrade was the patience we found along the way.",
        "Nobody has it figured out; some people just have better lighting.",
      ],
      action: [
        "Try explaining {detail} to a friend in one sentence; if you can't, that's your homework.",
        "Give yourself one small win today, even if it's just answering that email.",
        "Ask one curious question about {detail} before forming a loud opinion.",
        "Put {detail} on a sticky note and give it exactly fifteen minutes.",
      ],
      closer: ["Anyway, I'll be here pretending to be calm.", "Stay curious, stay hydrated.", "Your move."],
    },
  },
  blunt: {
    hooks: {
      trend: [
        "{Headline}. Here's what actually matters.",
        "Most takes on {topic} are wrong, and here's why.",
        "{Topic} won't fix a bad plan. {They}'ll just speed it up.",
        "Stop refreshing the news about {topic}. Do this instead.",
        "Most takes this week are noise. Here's what matters.",
      ],
      pain: [
        "{Topic} won't fix {itself}. Here's the first move.",
        "If {reflected}, stop waiting for motivation.",
        "Straight talk about {topic}: {it's} hard, and {it's} beatable.",
        "You can't think your way out of {topic}. You act your way out.",
        "Motivation is overrated. Here's the first move.",
      ],
      styles: {
        question: {
          any: [
            "What are you actually doing about {topic}, besides reading about {it}?",
            "Do you have a plan for {topic}, or just opinions?",
            "What is the one thing you keep avoiding?",
          ],
        },
        bold_number: {
          any: [
            "3 things about {topic} that actually matter.",
            "1 rule for {topic}: act before you feel ready.",
            "90% of progress is showing up when you don't feel like it.",
          ],
        },
        contrarian: {
          any: [
            "Unpopular opinion: most takes on {topic} are wrong.",
            "Hot take: {topic} {is} not your real problem.",
            "Unpopular opinion: motivation is overrated.",
          ],
        },
        short_story: {
          any: [
            "Last week I stopped reading about {topic} and started working on it.",
            "Yesterday someone asked me for a shortcut through {topic}. There isn't one.",
            "Years ago I wasted a whole year waiting to feel ready.",
          ],
        },
        how_to: {
          any: [
            "How to deal with {topic}: start today, not Monday.",
            "Here's how to handle {topic} without the excuses.",
            "How to get unstuck: pick one task and finish it.",
          ],
        },
      },
    },
    body: {
      opener: {
        trend: [
          "{Topic} {is} real, but most of the hype around {it} is not.",
          "Strip away the noise and {topic} come{s} down to execution.",
          "Most people talking about {topic} have never used {it} for real work.",
          "Strip away the noise and most of this comes down to execution.",
        ],
        pain: [
          "{Topic} {is} hard, and pretending otherwise won't help.",
          "Nobody is coming to fix {topic} for you, and that's actually good news.",
          "Complaining about {topic} feels productive. It isn't.",
          "This is hard, and pretending otherwise won't help.",
        ],
      },
      insight: [
        "Tools change; fundamentals don't.",
        "Results come from consistent work, not perfect plans.",
        "Most people will talk about it. Few will act.",
        "Clarity comes from doing, not from reading one more thread.",
      ],
      action: [
        "Pick one thing about {detail} you can change this week and do it.",
        "Write down the next step on {detail} and do it before lunch.",
        "Cut one distraction today and put that hour into {detail}.",
        "Ask someone who has dealt with {detail} what they did first.",
      ],
      closer: ["That's it.", "No shortcuts.", "Do the work."],
    },
  },
};

/** For steps that are neither hook nor body (agent summaries, ...): plain, neutral prose. */
export const NEUTRAL_SENTENCES: Lines = [
  "Here is a short take on {topic}.",
  "The part that matters most is {detail}.",
  "It is worth looking at {topic} from more than one angle.",
  "The next step is to test the idea on something small.",
  "Here is a short take on the question.",
  "It is worth looking at this from more than one angle.",
];
