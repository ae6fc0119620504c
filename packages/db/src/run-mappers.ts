import type { Run as RunRow, VariationLine as VariationLineRow, Variation as VariationRow } from "@prisma/client";
import type { Run, Variation, VariationLogLine } from "@threads-agent/contracts";

export type { RunRow, VariationLineRow, VariationRow };
export type RunWithVariations = RunRow & { variations: VariationRow[] };

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

/** `withDiff: false` for lists: diffs can be large and a list shows many runs. */
export function toVariation(row: VariationRow, options: { withDiff?: boolean } = {}): Variation {
  return {
    index: row.index,
    status: row.status,
    model: row.model,
    temperature: row.temperature,
    job: row.job,
    exit_code: row.exit_code,
    reason: row.reason,
    started_at: isoOrNull(row.started_at),
    finished_at: isoOrNull(row.finished_at),
    usage: { tokens_in: row.tokens_in, tokens_out: row.tokens_out, cost_usd: Number(row.cost_usd) },
    lines: row.line_count,
    summary: row.summary,
    ...(options.withDiff === false ? {} : { diff: row.diff }),
  };
}

export function toRun(row: RunWithVariations, options: { withDiff?: boolean } = {}): Run {
  return {
    id: row.id,
    repo_url: row.repo_url,
    prompt: row.prompt,
    status: row.status,
    variations: [...row.variations].sort((a, b) => a.index - b.index).map((v) => toVariation(v, options)),
    winner: row.winner,
    cancel_requested_at: isoOrNull(row.cancel_requested_at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    started_at: isoOrNull(row.started_at),
    finished_at: isoOrNull(row.finished_at),
  };
}

export function toVariationLogLine(row: VariationLineRow): VariationLogLine {
  return { seq: row.seq, ts: iso(row.ts), kind: row.kind, line: row.line };
}
