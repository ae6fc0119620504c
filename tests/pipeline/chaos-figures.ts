import { appendFileSync } from "node:fs";
import type { Db } from "@threads-agent/db";
import { duplicatePublishes, readSse } from "@threads-agent/testing";
import type { Fixture } from "./stack-fixture.ts";

export const TERMINAL = ["succeeded", "failed", "blocked", "cancelled"] as const;
const INPUTS = [
  "Remote work and the four-day week",
  "Burnout after a product launch",
  "Battery breakthroughs for electric planes",
  "Learning to code after forty",
  "Loneliness in big cities",
];

/** One row of the chaos table. */
export type Figures = {
  scenario: string;
  accepted: number;
  succeeded: number;
  failed: number;
  /** The failed tasks' error codes, with their counts ("" when none failed). */
  failedReasons: string;
  stuck: number;
  duplicatePosts: number;
  duplicatePublishes: number;
  seconds: number;
  /** What else the scenario saw (breaker changes, hand-backs), for the report. */
  notes?: string;
};

/** Submits `count` tasks, 20 at a time, alternating the two seeded personas; each answer must be 202. */
export async function submit(fixture: Fixture, count: number, label: string, into: string[] = []): Promise<string[]> {
  for (let start = 0; start < count; start += 20) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(20, count - start) }, (_, i) =>
        fixture.createTask({
          persona_id: (start + i) % 2 ? "ai-elon" : "ai-jesus",
          input: `${INPUTS[(start + i) % INPUTS.length]} (${label} ${start + i} ${Date.now()})`,
        }),
      ),
    );
    into.push(...batch.map((t) => t.id));
  }
  return into;
}

export const countIn = (db: Db, ids: string[], statuses: readonly string[]) =>
  db.task.count({ where: { id: { in: ids }, status: { in: statuses as never[] } } });

/** Accepted, finished (failures by reason), stuck, and posts/publishes per task, from the database and fake-threads. */
export async function figures(fixture: Fixture, db: Db, scenario: string, ids: string[], startedAt: number): Promise<Figures> {
  const tasks = await db.task.findMany({ where: { id: { in: ids } }, select: { status: true, error_code: true, error_message: true } });
  const posts = await db.post.groupBy({ by: ["task_id"], where: { task_id: { in: ids } }, _count: true });
  const rows = await db.post.findMany({ where: { task_id: { in: ids } }, select: { text: true, published_id: true } });
  const onThreads = await fixture.threads.posts();
  const reasons = new Map<string, number>();
  for (const t of tasks)
    if (t.status === "failed") reasons.set(t.error_code ?? "no reason", (reasons.get(t.error_code ?? "no reason") ?? 0) + 1);
  return {
    scenario,
    accepted: ids.length,
    succeeded: tasks.filter((r) => r.status === "succeeded").length,
    failed: tasks.filter((r) => r.status === "failed").length,
    failedReasons: [...reasons].map(([code, n]) => `${n} ${code}`).join(", "),
    stuck: tasks.filter((r) => !(TERMINAL as readonly string[]).includes(r.status)).length,
    duplicatePosts: posts.filter((p) => p._count > 1).length,
    duplicatePublishes: duplicatePublishes(onThreads, rows),
    seconds: Math.round((Date.now() - startedAt) / 100) / 10,
  };
}

/** Each task's SSE history (event objects in order), 25 streams at a time. */
export async function histories(fixture: Fixture, ids: string[]): Promise<Map<string, Record<string, unknown>[]>> {
  const out = new Map<string, Record<string, unknown>[]>();
  for (let start = 0; start < ids.length; start += 25) {
    await Promise.all(
      ids.slice(start, start + 25).map(async (id) => {
        const { messages } = await readSse(`${fixture.api}/v1/tasks/${id}/events`, { timeoutMs: 30_000 });
        out.set(
          id,
          messages.map((m) => m.json as Record<string, unknown>).filter((e) => !String(e.type).startsWith("step.")),
        );
      }),
    );
  }
  return out;
}

/** The JSON log lines of one service with the given messages, parsed. */
export function logLines(fixture: Fixture, service: string, messages: readonly string[]): Record<string, unknown>[] {
  const prefix = `[${service}] `;
  const out: Record<string, unknown>[] = [];
  for (const line of fixture.logs) {
    if (!line.startsWith(prefix)) continue;
    try {
      const parsed = JSON.parse(line.slice(prefix.length)) as Record<string, unknown>;
      if (messages.includes(String(parsed.msg))) out.push(parsed);
    } catch {
      // not JSON (a stack trace): not ours to read here
    }
  }
  return out;
}

/** Appends the row to CHAOS_REPORT (scripts/chaos prints the table from it) and prints it. */
export function report(row: Figures): void {
  console.log(`[chaos] ${JSON.stringify(row)}`);
  const file = process.env.CHAOS_REPORT;
  if (file) appendFileSync(file, `${JSON.stringify(row)}\n`);
}
