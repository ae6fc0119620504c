// The hooks that learn, proven end to end: 300 posts of one persona through the whole stack
// (orchestrator, worker, persona-runtime's offline writer, fake-threads), fake-threads' clock
// accelerated 3600x so each post's insights at 1s/6s/24s are its first hour, six hours and day.
// fake-threads' audience model prefers one hook style for the persona's account (2x the
// engagement of the others); the hook step picks each post's style by Thompson sampling over the
// persona's Beta posteriors, which the insights feed. Among the last 100 posts the best style must
// have at least 60% (uniform choice: 20%). Prints the best style's share per 50 posts, the
// cumulative regret against always choosing the best style, and the persona's stats and styles.
import { HookStyleList, PersonaStats, type Post, SEEDED_HOOK_STYLE_IDS, type SeededHookStyle } from "@threads-agent/contracts";
import { baseRate as fakeBaseRate, styleLift } from "@threads-agent/fake-threads";
import { waitFor } from "@threads-agent/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLinkedPersona, type Fixture, startPipeline } from "../pipeline/stack-fixture.ts";

const PERSONA = "ai-bandit";
const BEST: SeededHookStyle = "contrarian";
const POSTS = 300;
let f: Fixture;
let accountId: string;

// 300+ distinct inputs: trends and pain statements about different things, so no two posts are near-duplicates.
const SUBJECTS = [
  "solar panels",
  "electric trucks",
  "open-source models",
  "quantum chips",
  "remote teams",
  "vertical farms",
  "robot vacuums",
  "city bike lanes",
  "lab-grown meat",
  "home batteries",
  "satellite internet",
  "smart glasses",
  "gene therapy",
  "4-day weeks",
  "no-code tools",
  "heat pumps",
  "drone delivery",
  "reusable rockets",
  "AI tutors",
  "e-bikes",
  "nuclear startups",
  "tiny homes",
  "coding bootcamps",
  "sleep trackers",
  "plant-based milk",
];
const EVENTS = [
  (s: string) => `${s} hit record sales this quarter`,
  (s: string) => `Investors pour $2 billion into ${s}`,
  (s: string) => `Regulators in the EU take a hard look at ${s}`,
  (s: string) => `A Stanford study says ${s} save people 3 hours a week`,
  (s: string) => `Big Tech quietly bets on ${s}`,
  (s: string) => `I feel stuck because my team ignores ${s}`,
  (s: string) => `Prices of ${s} fall 40% in two years`,
  (s: string) => `Nobody in my town understands ${s} and it drains me`,
  (s: string) => `Startups built on ${s} are hiring again`,
  (s: string) => `Why ${s} keep failing in rural areas`,
  (s: string) => `China leads the world in ${s}`,
  (s: string) => `I burned out trying to launch ${s} on my own`,
  (s: string) => `Teenagers on TikTok are obsessed with ${s}`,
];
const INPUTS: { input: string; task_type: "trend" | "pain" }[] = [];
for (const event of EVENTS)
  for (const subject of SUBJECTS) {
    const input = event(subject);
    INPUTS.push({ input: input[0]?.toUpperCase() + input.slice(1), task_type: /^I /.test(input) ? "pain" : "trend" });
  }
// Interleave so neighbouring posts differ in both subject and event (27 is coprime with 13 x 25).
const ORDER = INPUTS.map((_, i) => (i * 27) % INPUTS.length);

beforeAll(async () => {
  f = await startPipeline(
    {
      INSIGHTS_SCHEDULE: "1s,6s,24s",
      FOLLOWERS_INTERVAL_MS: "5000",
      WORKER_CONCURRENCY: "3",
      LOG_LEVEL: "warn",
      // The near-duplicate check is off here: the offline writer has a handful of templates per
      // style, so once the bandit settles on one style, hundreds of its posts share template text
      // and most would be blocked (near-duplicate.test.ts covers the check). The bandit is the subject.
      NEAR_DUPLICATE_THRESHOLD: "2",
      // The fake audience's clock runs 3600x (insights every few seconds here, hours in production):
      // each task reads the posteriors fresh, as a worker's 30 s cache would between real readings.
      HOOK_STATS_TTL_MS: "0",
    },
    undefined,
    { "fake-threads": { PUBLISH_QUOTA: "100000", TOKEN_LIFETIME_S: String(9 * 365 * 86_400), CONTAINER_READY_MS: "0", MAX_POSTS: "5000" } },
  );
  const account = await f.threads.account("ai.bandit", { best_style: BEST, base_followers: 300 });
  accountId = account.id;
  await createLinkedPersona(
    f,
    {
      id: PERSONA,
      name: "AI Bandit",
      emoji: "🎰",
      temperament: "witty",
      description: "Learns which hooks its audience likes.",
      hook_prompt: "Write a hook about {input}",
      body_prompt: "Write a body for {hook} about {input}",
    },
    account.access_token,
  );
  await f.threads.clockSpeed(3600);
}, 120_000);
afterAll(async () => {
  await f?.stack.stop();
});

describe("the hook bandit against fake-threads' audience model", () => {
  it(`learns the style the audience prefers within ${POSTS} posts`, { timeout: 1_200_000 }, async () => {
    const styles: string[] = [];
    let blocked = 0;
    // Three tasks at a time (the worker runs three at once), in input order; each batch's styles
    // are drawn from the posteriors as they stand when its tasks start.
    const queue = [...ORDER];
    while (styles.length < POSTS && queue.length) {
      const batch = queue.splice(0, Math.min(3, POSTS - styles.length));
      const tasks = await Promise.all(
        batch.map((index) => f.createTask({ persona_id: PERSONA, ...(INPUTS[index] as (typeof INPUTS)[number]) })),
      );
      for (const task of tasks) {
        const done = await waitFor(
          `task ${task.id} to finish`,
          async () => {
            const now = (await f.json<{ status: string; post: Post | null; error: { code: string } | null }>(`/v1/tasks/${task.id}`)).body;
            return ["succeeded", "blocked", "failed", "cancelled"].includes(now.status) ? now : null;
          },
          60_000,
          50,
        );
        if (done.status === "blocked" && done.error?.code === "duplicate") {
          blocked++;
          continue;
        }
        expect(done.status, JSON.stringify(done)).toBe("succeeded");
        styles.push(done.post?.hook_style ?? "none");
      }
    }
    expect(styles.length).toBe(POSTS);

    // Expected engagement rate of each style in the model ((likes+replies+reposts+quotes) are 92% of interactions).
    const base = fakeBaseRate(accountId);
    const expected = (style: string) => 0.92 * base * styleLift(style as SeededHookStyle, BEST);
    const best = expected(BEST);
    let regret = 0;
    const lines: string[] = [];
    for (let start = 0; start < POSTS; start += 50) {
      const block = styles.slice(start, start + 50);
      const counts = Object.fromEntries(SEEDED_HOOK_STYLE_IDS.map((s) => [s, block.filter((x) => x === s).length]));
      lines.push(
        `  posts ${String(start + 1).padStart(3)}-${start + block.length}: ${BEST} ${((100 * (counts[BEST] ?? 0)) / block.length).toFixed(0)}%  ${JSON.stringify(counts)}`,
      );
    }
    const cumulative: number[] = [];
    for (const style of styles) {
      regret += best - expected(style);
      cumulative.push(regret);
    }
    const uniformRegret = POSTS * (best - SEEDED_HOOK_STYLE_IDS.reduce((sum, s) => sum + expected(s), 0) / SEEDED_HOOK_STYLE_IDS.length);
    const lastHundred = styles.slice(-100).filter((s) => s === BEST).length / 100;

    const stats = PersonaStats.parse((await f.json(`/v1/personas/${PERSONA}/stats?window=1d`)).body);
    const hookStyles = HookStyleList.parse((await f.json(`/v1/personas/${PERSONA}/hook-styles`)).body);
    console.log(
      [
        `[bandit] ${POSTS} posts of ${PERSONA} (${blocked} tasks blocked as near-duplicates); audience prefers ${BEST}`,
        `[bandit] expected engagement rate: ${BEST} ${(100 * best).toFixed(2)}%, every other style ${(100 * expected("question")).toFixed(2)}%`,
        "[bandit] share of the best style per 50 posts:",
        ...lines,
        `[bandit] best style's share of the last 100 posts: ${(100 * lastHundred).toFixed(0)}% (uniform choice: 20%)`,
        `[bandit] cumulative regret vs always ${BEST}: ${regret.toFixed(4)} rate-points summed over posts (after 50/100/200/300: ${[
          49, 99, 199, 299,
        ]
          .map((i) => (cumulative[i] ?? 0).toFixed(3))
          .join(" / ")}); uniform choice would expect ${uniformRegret.toFixed(4)}; regret per post ${(regret / POSTS).toFixed(5)} = ${(
          (100 * regret) / (POSTS * best)
        ).toFixed(1)}% of the best style's engagement`,
        `[bandit] stats: ${JSON.stringify(stats)}`,
        `[bandit] hook styles: ${JSON.stringify(hookStyles.items.map((s) => ({ id: s.id, pulls: s.pulls, mean: s.mean_engagement, alpha: s.posterior.alpha, beta: s.posterior.beta, share: s.share })))}`,
      ].join("\n"),
    );
    expect(lastHundred).toBeGreaterThanOrEqual(0.6);
    expect(regret).toBeLessThan(uniformRegret);
    const bestStats = hookStyles.items.find((s) => s.id === BEST);
    expect(bestStats?.pulls).toBe(styles.filter((s) => s === BEST).length);
    expect(Math.max(...hookStyles.items.map((s) => s.posterior.mean))).toBe(bestStats?.posterior.mean);
    expect(stats.posts).toBe(POSTS);
  });
});
