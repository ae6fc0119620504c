// After a restart, the database may be ahead of the run's event stream (a crash between the
// commit and the XADD). These put back what the stream misses, so SSE clients lose nothing.
import { type RunStatus, TERMINAL_RUN_EVENTS, TERMINAL_VARIATION_STATUSES, type VariationStatus } from "@threads-agent/contracts";
import { type Db, type RunWithVariations, toVariationLogLine } from "@threads-agent/db";
import type { EventLog } from "@threads-agent/events";

type Published = { lastSeq: number; types: Set<string> };

async function publishedState(events: EventLog, runId: string): Promise<Map<number, Published>> {
  const state = new Map<number, Published>();
  let after = "0-0";
  while (true) {
    const page = await events.range("run", runId, after, 2000);
    if (page.length === 0) return state;
    for (const { id, event } of page) {
      after = id;
      if (typeof event.variation !== "number") continue;
      const entry = state.get(event.variation) ?? { lastSeq: -1, types: new Set<string>() };
      entry.types.add(event.type);
      if (event.type === "variation.log" && typeof event.seq === "number") entry.lastSeq = Math.max(entry.lastSeq, event.seq);
      state.set(event.variation, entry);
    }
  }
}

export async function repairRunStream(db: Db, events: EventLog, run: RunWithVariations): Promise<number> {
  const published = await publishedState(events, run.id);
  let appended = 0;
  for (const v of run.variations) {
    if (v.status === "queued") continue;
    const seen = published.get(v.index) ?? { lastSeq: -1, types: new Set<string>() };
    const missing: ({ type: string } & Record<string, unknown>)[] = [];
    if (v.job && !seen.types.has("variation.scheduled")) missing.push({ type: "variation.scheduled", variation: v.index, job: v.job });
    if (v.started_at && !seen.types.has("variation.started")) missing.push({ type: "variation.started", variation: v.index });
    if (missing.length) appended += (await events.appendMany("run", run.id, missing)).length;
    for (let from = seen.lastSeq + 1; from < v.line_count; from += 2000) {
      const rows = await db.variationLine.findMany({
        where: { variation_id: v.id, seq: { gte: from } },
        orderBy: { seq: "asc" },
        take: 2000,
      });
      if (rows.length === 0) break;
      appended += (
        await events.appendMany(
          "run",
          run.id,
          rows.map((r) => ({ type: "variation.log", variation: v.index, ...toVariationLogLine(r) })),
        )
      ).length;
    }
    const status = v.status as VariationStatus;
    if (TERMINAL_VARIATION_STATUSES.includes(status) && !seen.types.has("variation.succeeded") && !seen.types.has("variation.failed")) {
      if (status === "succeeded")
        await events.append("run", run.id, { type: "variation.succeeded", variation: v.index, exit_code: v.exit_code ?? 0 });
      if (status === "failed") {
        await events.append("run", run.id, {
          type: "variation.failed",
          variation: v.index,
          reason: v.reason ?? "failed",
          exit_code: v.exit_code,
        });
      }
    }
  }
  return appended;
}

/** A finished run whose stream lacks its terminal event (crash after the commit) gets it now. */
export async function ensureTerminalEvent(events: EventLog, run: { id: string; status: string }): Promise<void> {
  const [last] = await events.redis.xrevrange(events.key("run", run.id), "+", "-", "COUNT", 1);
  if (!last) return; // expired or never created: the API answers from the database.
  const fields = last[1];
  const type = (JSON.parse(fields[fields.indexOf("e") + 1] ?? "{}") as { type?: string }).type ?? "";
  if (TERMINAL_RUN_EVENTS.has(type)) return;
  if (run.status === "cancelled") await events.append("run", run.id, { type: "run.cancelled" });
  else
    await events.append("run", run.id, {
      type: "run.completed",
      status: run.status as Exclude<RunStatus, "queued" | "running" | "cancelled">,
    });
}
