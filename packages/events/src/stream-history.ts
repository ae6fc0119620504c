import type { EventEnvelope } from "@threads-agent/contracts";

/** One entry of a stream being rebuilt: an outbox row, or (for runs) a stored output line. */
export type HistoryItem = { outboxId: bigint | null; streamId: string | null; timeMs: number; envelope: EventEnvelope };

type StoredLine = { variation: number; seq: number; ts: Date; kind: string; line: string };

const msOf = (streamId: string) => Number(streamId.slice(0, streamId.indexOf("-")));
const ENDS_VARIATION = new Set(["variation.succeeded", "variation.failed"]);
const BEGINS_VARIATION = new Set(["variation.scheduled", "variation.started"]);

/**
 * A run's state events (outbox, in commit order) and its stored output lines in one sequence, as the
 * live stream had them: each variation's lines after its start and before its end, and otherwise by
 * time. The events' own order is never changed; lines keep their seq order per variation.
 */
export function mergeRunHistory(events: HistoryItem[], lines: StoredLine[], runId: string): HistoryItem[] {
  const times: number[] = [];
  let previous = Number.NEGATIVE_INFINITY;
  const begins = new Map<number, number>();
  const ends = new Map<number, number>();
  for (const e of events) {
    previous = Math.max(previous, e.streamId ? msOf(e.streamId) : e.timeMs);
    times.push(previous);
    const v = e.envelope.variation;
    if (typeof v !== "number") continue;
    if (BEGINS_VARIATION.has(e.envelope.type)) begins.set(v, previous);
    if (ENDS_VARIATION.has(e.envelope.type)) ends.set(v, previous);
  }

  const lastByVariation = new Map<number, number>();
  const lineItems = lines.map((l) => {
    let t = Math.max(
      l.ts.getTime(),
      begins.get(l.variation) ?? Number.NEGATIVE_INFINITY,
      lastByVariation.get(l.variation) ?? Number.NEGATIVE_INFINITY,
    );
    t = Math.min(t, ends.get(l.variation) ?? Number.POSITIVE_INFINITY);
    lastByVariation.set(l.variation, t);
    const envelope: EventEnvelope = {
      type: "variation.log",
      run_id: runId,
      at: l.ts.toISOString(),
      variation: l.variation,
      seq: l.seq,
      ts: l.ts.toISOString(),
      line: l.line,
      kind: l.kind,
    };
    return { item: { outboxId: null, streamId: null, timeMs: t, envelope } as HistoryItem, variation: l.variation, seq: l.seq };
  });
  lineItems.sort((a, b) => a.item.timeMs - b.item.timeMs || a.variation - b.variation || a.seq - b.seq);

  const merged: HistoryItem[] = [];
  let j = 0;
  events.forEach((event, i) => {
    const t = times[i] as number;
    const ending = ENDS_VARIATION.has(event.envelope.type);
    // Lines at the same time as an end event go before it; at the same time as anything else, after.
    while (j < lineItems.length) {
      const line = lineItems[j] as (typeof lineItems)[number];
      if (line.item.timeMs < t || (ending && line.item.timeMs === t)) {
        merged.push(line.item);
        j++;
      } else break;
    }
    merged.push({ ...event, timeMs: t });
  });
  for (; j < lineItems.length; j++) merged.push((lineItems[j] as (typeof lineItems)[number]).item);
  return merged;
}

/**
 * Gives every item an explicit, strictly increasing stream id: the id it had before where that
 * keeps the order (so a client's Last-Event-ID still means the same entry), else one made from its time.
 */
export function withStreamIds(items: HistoryItem[]): HistoryItem[] {
  let lastMs = -1;
  let lastSeq = -1;
  return items.map((item) => {
    if (item.streamId) {
      const ms = msOf(item.streamId);
      const seq = Number(item.streamId.slice(item.streamId.indexOf("-") + 1));
      if (ms > lastMs || (ms === lastMs && seq > lastSeq)) {
        lastMs = ms;
        lastSeq = seq;
        return item;
      }
    }
    const ms = Math.max(Math.floor(item.timeMs), lastMs, 1);
    lastSeq = ms === lastMs ? lastSeq + 1 : 0;
    lastMs = ms;
    return { ...item, streamId: `${ms}-${lastSeq}` };
  });
}
