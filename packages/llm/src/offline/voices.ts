import type { Temperament } from "@threads-agent/contracts";

// What the offline writer says, per temperament. Placeholders:
// - {topic}, {detail}: key phrases of the input ({Topic} capitalised for a sentence start);
// - {headline}: the input's first sentence, when short enough to quote;
// - {reflected}: a first-person pain statement turned to the reader ("you can't sleep");
// - words that agree with the topic's number ("agents are", "burnout is"): {is} {isn't} {has}
//   {doesn't} {s} (verb ending), {it} (object), {they}/{They} (subject), {it's}/{It's}, {itself}.
// A template is only used when every placeholder it names has a value.

export type Voice = {
  hooks: { trend: readonly string[]; pain: readonly string[] };
  body: {
    opener: { trend: readonly string[]; pain: readonly string[] };
    insight: readonly string[];
    action: readonly string[];
    closer: readonly string[];
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
      ],
      pain: [
        "If {reflected}, you are not alone in this.",
        "To anyone carrying {topic} today: you are seen.",
        "{Topic} can feel heavy. You don't have to carry {it} alone.",
        "Some days, {topic} feel{s} like too much. Rest is allowed.",
      ],
    },
    body: {
      opener: {
        trend: [
          "So much of the talk around {topic} is loud, but underneath it are people trying their best.",
          "{Topic} will change some things, but {they} can't change how much you matter.",
          "It's easy to feel left behind by {topic}, and that feeling deserves compassion, not shame.",
        ],
        pain: [
          "What you're feeling about {topic} is real, and it doesn't make you weak.",
          "It's okay if {topic} {has} left you tired; healing rarely moves in straight lines.",
          "Carrying {topic} quietly takes more strength than most people see.",
        ],
      },
      insight: [
        "Kindness still reaches further than any technology we've built.",
        "Every one of us is learning as we go, and that deserves patience.",
        "Hope isn't pretending it's easy; it's trusting it won't always be this hard.",
        "Grace grows in small, ordinary moments.",
      ],
      action: [
        "Today, send one message to someone who might be struggling with {detail}.",
        "Offer one person a little patience today, maybe yourself first.",
        "If you can, sit with someone who feels weighed down by {detail} and simply listen.",
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
      ],
      pain: [
        "{Topic} {isn't} a wall. {It's} an engineering problem.",
        "If {reflected}, good news: that's solvable.",
        "Every hard problem looks like {topic} before someone fixes it.",
        "{Topic}? Let's break {it} down to first principles.",
      ],
    },
    body: {
      opener: {
        trend: [
          "{Topic} {is} the kind of shift that happens maybe once a decade.",
          "Look at {topic} from first principles and the upside is enormous.",
          "The curve on {topic} is going vertical and most people haven't noticed.",
        ],
        pain: [
          "Strip {topic} down to first principles and you get a set of solvable constraints.",
          "{Topic} feel{s} huge until you split {it} into parts you can actually fix.",
          "Every great company started as someone refusing to accept {topic}.",
        ],
      },
      insight: [
        "Costs are dropping, tools are getting better, and the builders are already moving.",
        "Every breakthrough looked crazy right up until it shipped.",
        "Physics is the only real limit; everything else is a recommendation.",
        "Iteration speed beats perfection every single time.",
      ],
      action: [
        "Pick one piece of {detail} and ship a prototype this week.",
        "Stop debating {detail} and start building.",
        "Build the thing. Measure it. Make it 10x better.",
        "Find the hardest part of {detail} and attack it first.",
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
      ],
      pain: [
        "If {reflected}, pause for a moment. Breathe.",
        "{Topic} feel{s} loud right now. {They} won't always.",
        "A gentle reminder for anyone dealing with {topic}.",
        "{Topic} {is} a season, not a verdict.",
      ],
    },
    body: {
      opener: {
        trend: [
          "{Topic} {is} getting a lot of attention, and most of it is louder than it needs to be.",
          "Underneath the headlines about {topic}, the real change is slower and more human.",
          "It's worth asking what {topic} actually change{s} on an ordinary Tuesday.",
        ],
        pain: [
          "{Topic} can make everything feel urgent at once.",
          "When {topic} {is} heavy, the mind tends to race ahead.",
          "There's no right speed for working through {topic}.",
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
        "Hot take: {topic} {is} just a group project with better branding.",
        "Me, nodding confidently about {topic} like I read past the headline.",
        "{Topic} walked in and everyone suddenly became an expert.",
      ],
      pain: [
        "{Topic}: the side quest nobody signed up for.",
        "If {reflected}, congratulations, you're officially human.",
        "Nobody warned us {topic} came without an instruction manual.",
        "{Topic} {has} entered the chat. Again.",
      ],
    },
    body: {
      opener: {
        trend: [
          "Every few months we collectively decide {topic} {is} either the end of the world or the answer to it.",
          "{Topic} {has} officially reached the stage where my aunt has opinions about {it}.",
          "Half the internet thinks {topic} {is} magic and the other half thinks {it's} a scam.",
        ],
        pain: [
          "{Topic} {has} a talent for showing up uninvited and rearranging the furniture.",
          "Nobody puts {topic} on their five-year plan, and yet here we are.",
          "If {topic} were a houseguest, {they} would definitely overstay.",
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
        "Unpopular opinion: most takes on {topic} are wrong.",
        "{Topic} won't fix a bad plan. {They}'ll just speed it up.",
        "Stop refreshing the news about {topic}. Do this instead.",
      ],
      pain: [
        "{Topic} won't fix {itself}. Here's the first move.",
        "If {reflected}, stop waiting for motivation.",
        "Straight talk about {topic}: {it's} hard, and {it's} beatable.",
        "You can't think your way out of {topic}. You act your way out.",
      ],
    },
    body: {
      opener: {
        trend: [
          "{Topic} {is} real, but most of the hype around {it} is not.",
          "Strip away the noise and {topic} come{s} down to execution.",
          "Most people talking about {topic} have never used {it} for real work.",
        ],
        pain: [
          "{Topic} {is} hard, and pretending otherwise won't help.",
          "Nobody is coming to fix {topic} for you, and that's actually good news.",
          "Complaining about {topic} feels productive. It isn't.",
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
export const NEUTRAL_SENTENCES: readonly string[] = [
  "Here is a short take on {topic}.",
  "The part that matters most is {detail}.",
  "It is worth looking at {topic} from more than one angle.",
  "The next step is to test the idea on something small.",
];
