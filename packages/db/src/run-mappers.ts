import type { Run as RunRow, RunShip as RunShipRow, VariationLine as VariationLineRow, Variation as VariationRow } from "@prisma/client";
import {
  type Run,
  type RunShip,
  suggestWinner,
  type Variation,
  type VariationLogLine,
  VariationVerification,
  type VerificationOutcome,
} from "@threads-agent/contracts";

export type { RunRow, RunShipRow, VariationLineRow, VariationRow };
/** A run with its variations in order and (newest first) its pushes; `ships` absent reads as none. */
export type RunWithVariations = RunRow & { variations: VariationRow[]; ships?: RunShipRow[] };

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * The stored verification, or null for a variation that reported none (older rows, verification
 * off). Stored JSON that no longer parses reads as none rather than failing the whole run.
 */
export function verificationOf(row: Pick<VariationRow, "verification">): VariationVerification | null {
  if (row.verification === null) return null;
  const parsed = VariationVerification.safeParse(row.verification);
  return parsed.success ? parsed.data : null;
}

/** `withDiff: false` for lists: diffs and check output can be large and a list shows many runs. */
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
    outcome: (row.outcome as VerificationOutcome | null) ?? null,
    score: row.score,
    ...(options.withDiff === false ? {} : { verification: verificationOf(row) }),
  };
}

export function toRunShip(row: RunShipRow): RunShip {
  return {
    variation: row.variation,
    branch: row.branch,
    status: row.status,
    commit: row.commit,
    base: row.base,
    reason: row.reason,
    code: row.code,
    job: row.job,
    created_at: iso(row.created_at),
    finished_at: isoOrNull(row.finished_at),
  };
}

/**
 * The variation the verification suggests (suggestWinner in contracts) among those that
 * succeeded with a verified result; the user still decides.
 */
export function suggestedWinnerOf(variations: readonly VariationRow[]): { variation: number; reason: string } | null {
  return suggestWinner(
    variations.map((v) => ({
      variation: v.index,
      verification: v.status === "succeeded" ? (verificationOf(v)?.summary ?? null) : null,
    })),
  );
}

export function toRun(row: RunWithVariations, options: { withDiff?: boolean } = {}): Run {
  return {
    id: row.id,
    repo_url: row.repo_url,
    prompt: row.prompt,
    check_command: row.check_command,
    status: row.status,
    variations: [...row.variations].sort((a, b) => a.index - b.index).map((v) => toVariation(v, options)),
    winner: row.winner,
    suggested_winner: suggestedWinnerOf(row.variations),
    branch: row.ships?.find((s) => s.status === "pushed")?.branch ?? null,
    ship: row.ships?.[0] ? toRunShip(row.ships[0]) : null,
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
