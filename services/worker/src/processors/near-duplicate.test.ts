import { newId } from "@threads-agent/contracts";
import { DEFAULT_PERSONAS, insertTask } from "@threads-agent/db";
import type { Stack } from "@threads-agent/stack";
import { type fakeThreads, testEnv } from "@threads-agent/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkerDeps } from "../deps.ts";
import { createWorkerDeps, startWorkerStack } from "../test-fixture.ts";
import { processContentTask } from "./content.ts";

const env = testEnv();
let stack: Stack;
let threads: ReturnType<typeof fakeThreads>;
const workers: WorkerDeps[] = [];
const signal = new AbortController().signal;
const THRESHOLD = 0.65;

function worker(overrides: Record<string, string> = {}): WorkerDeps {
  const deps = createWorkerDeps(stack, env, "near-duplicate-test", { NEAR_DUPLICATE_THRESHOLD: String(THRESHOLD), ...overrides });
  workers.push(deps);
  return deps;
}

beforeAll(async () => {
  ({ stack, threads } = await startWorkerStack({ CONTAINER_READY_MS: "20", PUBLISH_QUOTA: "1000" }));
});
afterAll(async () => {
  await stack?.stop();
  for (const deps of workers) await deps.close();
});

let personas = 0;
async function persona(deps: WorkerDeps): Promise<string> {
  const id = `dup-${++personas}`;
  const { topics: _topics, ...base } = DEFAULT_PERSONAS[1] as (typeof DEFAULT_PERSONAS)[number];
  await deps.db.persona.create({ data: { ...base, id, name: `Dup ${personas}` } });
  return id;
}
async function task(deps: WorkerDeps, personaId: string, input: string): Promise<string> {
  const id = newId();
  const created = await insertTask(deps.db, { id, persona_id: personaId, task_type: "trend", input, trace: {} });
  await deps.relay.announce([created.announcement]);
  return id;
}
const similarity = async (deps: WorkerDeps, a: string, b: string) =>
  Number((await deps.db.$queryRaw<{ s: number }[]>`SELECT similarity(${a}, ${b})::float8 AS s`)[0]?.s);

/** Every pair of the persona's published posts is below the threshold. */
async function publishedPairs(deps: WorkerDeps, personaId: string): Promise<number[]> {
  const posts = await deps.db.post.findMany({ where: { persona_id: personaId, published_id: { not: null } }, orderBy: { id: "asc" } });
  const out: number[] = [];
  for (let i = 0; i < posts.length; i++)
    for (let j = i + 1; j < posts.length; j++)
      out.push(await similarity(deps, (posts[i] as { text: string }).text, (posts[j] as { text: string }).text));
  return out;
}

describe("near-duplicates", () => {
  it("redrafts the same input's second post from another angle, or blocks it as a duplicate", async () => {
    const deps = worker();
    const personaId = await persona(deps);
    const input = "Electric trucks just hit price parity with diesel";
    const first = await task(deps, personaId, input);
    expect(await processContentTask(deps, first, 1, signal)).toBe("succeeded");
    const second = await task(deps, personaId, input);
    const outcome = await processContentTask(deps, second, 1, signal);

    const [a, b] = await Promise.all(
      [first, second].map((id) => deps.db.task.findUniqueOrThrow({ where: { id }, include: { post: true } })),
    );
    // The same words would have come out without the check: the first draft was too close and was redrafted.
    const calls = await deps.db.llmCall.count({ where: { task_id: second } });
    expect(calls).toBe(4);
    if (outcome === "succeeded") {
      expect(b?.post?.published_id).toBeTruthy();
      expect(await similarity(deps, a?.post?.text as string, b?.post?.text as string)).toBeLessThan(THRESHOLD);
    } else {
      expect(outcome).toBe("blocked");
      expect(b).toMatchObject({ status: "blocked", error_code: "duplicate", post: null });
      expect(b?.error_message).toMatch(/^duplicate: /);
    }
    for (const s of await publishedPairs(deps, personaId)) expect(s).toBeLessThan(THRESHOLD);
  });

  it("holds when the same input runs as several tasks at once", async () => {
    const deps = worker();
    const personaId = await persona(deps);
    const ids = await Promise.all(Array.from({ length: 4 }, () => task(deps, personaId, "Remote work is killing junior developer growth")));
    const outcomes = await Promise.all(ids.map((id) => processContentTask(deps, id, 1, signal)));
    expect(outcomes.every((o) => o === "succeeded" || o === "blocked")).toBe(true);
    expect(outcomes.filter((o) => o === "succeeded").length).toBeGreaterThanOrEqual(1);
    for (const s of await publishedPairs(deps, personaId)) expect(s).toBeLessThan(THRESHOLD);
    // Whatever was blocked as a duplicate never reached Threads.
    const blocked = await deps.db.task.findMany({ where: { id: { in: ids }, status: "blocked" } });
    for (const t of blocked) expect(t.error_code).toBe("duplicate");
    expect((await threads.posts()).length).toBeGreaterThan(0);
  });

  it("ends blocked with code duplicate, through a transition with its event, when the redraft is still too close", async () => {
    // A threshold so low that any two posts of the persona count as near-duplicates.
    const deps = worker({ NEAR_DUPLICATE_THRESHOLD: "0.01" });
    const personaId = await persona(deps);
    const first = await task(deps, personaId, "Solar farms are replacing old coal plants");
    expect(await processContentTask(deps, first, 1, signal)).toBe("succeeded");
    const second = await task(deps, personaId, "Grandparents are learning to text with emoji");
    expect(await processContentTask(deps, second, 1, signal)).toBe("blocked");
    const row = await deps.db.task.findUniqueOrThrow({ where: { id: second }, include: { post: true } });
    expect(row).toMatchObject({ status: "blocked", error_code: "duplicate", post: null });
    expect(row.error_message).toMatch(
      /^duplicate: the redraft is still too close to post [0-9a-f-]{36} \(trigram similarity [\d.]+ >= 0\.01\)$/,
    );
    // Both drafts' model calls are accounted to the task.
    expect(await deps.db.llmCall.count({ where: { task_id: second } })).toBe(4);
    const events = (await deps.db.outboxEvent.findMany({ where: { entity_id: second }, orderBy: { id: "asc" } })).map(
      (e) => e.envelope as Record<string, unknown>,
    );
    expect(events.at(-1)).toMatchObject({ type: "task.blocked", code: "duplicate", reason: row.error_message });
    // Nothing of it went out: fake-threads has no post of the persona beyond the first.
    const firstText = (await deps.db.post.findUniqueOrThrow({ where: { task_id: first } })).text;
    expect((await threads.posts()).filter((p) => p.content === firstText)).toHaveLength(1);
  });

  it("is off above 1", async () => {
    const deps = worker({ NEAR_DUPLICATE_THRESHOLD: "1.5" });
    const personaId = await persona(deps);
    const input = "Python overtakes JavaScript on GitHub";
    const ids = [await task(deps, personaId, input), await task(deps, personaId, input)];
    for (const id of ids) expect(await processContentTask(deps, id, 1, signal)).toBe("succeeded");
  });
});
