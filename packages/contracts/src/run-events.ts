// A run's events on its stream: every variation multiplexed, state through the outbox, lines straight.
import { z } from "zod";
import { Timestamp, VariationIndex } from "./ids.ts";

/**
 * Approximate cap (XADD MAXLEN ~) on a run's event stream, for every writer of it: an append with
 * a smaller cap would trim the lines other writers put there. The database keeps every line.
 */
export const RUN_EVENT_STREAM_MAXLEN = 100_000;

// Each event's own fields; the envelope (type, run_id, at) is added by the event log.
export const RunEventFields = {
  "run.queued": z.object({ variations: z.number().int() }),
  /** A launcher took the run and starts its variations. */
  "run.started": z.object({}),
  "variation.scheduled": z.object({ variation: VariationIndex, job: z.string() }),
  "variation.started": z.object({ variation: VariationIndex }),
  /** `seq` counts the variation's lines from 0 without gaps; `kind` is the agent event it came from, or `output` for raw output. */
  "variation.log": z.object({ variation: VariationIndex, seq: z.number().int(), ts: Timestamp, line: z.string(), kind: z.string() }),
  "variation.succeeded": z.object({ variation: VariationIndex, exit_code: z.number().int() }),
  "variation.failed": z.object({ variation: VariationIndex, reason: z.string(), exit_code: z.number().int().nullable() }),
  /** The variation's change was verified against the baseline and scored (just before its verdict). */
  "variation.verified": z.object({ variation: VariationIndex, outcome: z.string(), score: z.number().int() }),
  "run.completed": z.object({ status: z.enum(["succeeded", "partially_failed", "failed"]) }),
  "run.cancelled": z.object({}),
  /** After the run ended: the winner's push was asked for / its workload started / it ended. */
  "run.ship_queued": z.object({ variation: VariationIndex, branch: z.string() }),
  "run.ship_started": z.object({ variation: VariationIndex, branch: z.string(), job: z.string() }),
  "run.shipped": z.object({ variation: VariationIndex, branch: z.string(), commit: z.string() }),
  "run.ship_failed": z.object({ variation: VariationIndex, branch: z.string(), code: z.string().nullable(), reason: z.string() }),
} as const;

export type RunEventType = keyof typeof RunEventFields;
export type RunEventPayload<T extends RunEventType> = z.infer<(typeof RunEventFields)[T]>;
export type RunEvent = {
  [T in RunEventType]: { type: T } & RunEventPayload<T>;
}[RunEventType];

export const TERMINAL_RUN_EVENTS: ReadonlySet<string> = new Set(["run.completed", "run.cancelled"]);
