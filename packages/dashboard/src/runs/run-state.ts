// A run and its variations as the events change them, as pure functions (tested without a browser).
import type { Run, Variation } from "@threads-agent/contracts";
import { asRunEvent, describeEvent, type IncomingEvent } from "../events.ts";
import type { LogLine } from "../tasks/task-state.ts";

/** Statuses widened to string: a status a newer server sends is shown with a neutral badge, not rejected. */
export type DashboardVariation = Omit<Variation, "status"> & { status: string };
export type DashboardRun = Omit<Run, "status" | "variations"> & { status: string; variations: DashboardVariation[] };

export const FINISHED_RUN_STATUSES: ReadonlySet<string> = new Set<Run["status"]>(["succeeded", "partially_failed", "failed", "cancelled"]);
export const FINISHED_VARIATION_STATUSES: ReadonlySet<string> = new Set<Variation["status"]>(["succeeded", "failed", "cancelled"]);

export type OutputLine = { variation: number; seq: number; ts: string | null; line: string; kind: string };

export type RunApplied =
  /** A variation's output line (the panel batches these per animation frame). */
  | { kind: "line"; line: OutputLine }
  /** Anything else: the state changed; `refresh` asks for the stored run (summary and diff of a finished variation). */
  | { kind: "state"; log: LogLine; refresh: boolean };

const num = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);
const text = (value: unknown): string | null => (typeof value === "string" ? value : null);

export function variationOf(run: DashboardRun, index: unknown): DashboardVariation | null {
  return typeof index === "number" ? (run.variations.find((v) => v.index === index) ?? null) : null;
}

export function applyRunEvent(run: DashboardRun, incoming: IncomingEvent): RunApplied {
  const event = asRunEvent(incoming);
  const log: LogLine = { at: text(incoming.at), type: incoming.type, info: describeEvent(incoming), known: event !== null };
  if (!event) return { kind: "state", log, refresh: false };
  const v = "variation" in event ? variationOf(run, event.variation) : null;
  switch (event.type) {
    case "variation.log":
      return {
        kind: "line",
        line: {
          variation: num(event.variation) ?? -1,
          seq: num(event.seq) ?? 0,
          ts: text(event.ts),
          line: text(event.line) ?? "",
          kind: text(event.kind) ?? "log",
        },
      };
    case "run.started":
      run.status = "running";
      break;
    case "variation.scheduled":
      if (v) {
        v.status = "scheduled";
        v.job = text(event.job);
      }
      if (run.status === "queued") run.status = "running";
      break;
    case "variation.started":
      if (v) {
        v.status = "running";
        v.started_at = text(event.at);
      }
      run.status = "running";
      break;
    case "variation.succeeded":
      if (v) {
        v.status = "succeeded";
        v.exit_code = num(event.exit_code);
        v.finished_at = text(event.at);
      }
      return { kind: "state", log, refresh: true }; // the summary and the diff are in the stored run
    case "variation.failed":
      if (v) {
        v.status = "failed";
        v.reason = text(event.reason);
        v.exit_code = num(event.exit_code);
        v.finished_at = text(event.at);
      }
      break;
    case "variation.verified":
      if (v) {
        v.outcome = (text(event.outcome) as DashboardVariation["outcome"]) ?? v.outcome;
        v.score = num(event.score) ?? v.score;
      }
      return { kind: "state", log, refresh: true }; // the checks and the suggestion are in the stored run
    case "run.ship_queued":
    case "run.ship_started":
    case "run.shipped":
    case "run.ship_failed":
      return { kind: "state", log, refresh: true }; // the push's state is in the stored run
    case "run.completed":
      run.status = text(event.status) ?? run.status;
      break;
    case "run.cancelled":
      run.status = "cancelled";
      for (const x of run.variations) {
        if (!FINISHED_VARIATION_STATUSES.has(x.status)) {
          x.status = "cancelled";
          x.reason = "cancelled by the user";
        }
      }
      break;
    case "run.queued":
      break;
  }
  return { kind: "state", log, refresh: false };
}

/** Which variation's change to show first: the winner's, else the first one with a change. */
export function preferredDiff(run: DashboardRun): number | null {
  const winner = run.variations.find((v) => v.index === run.winner && v.diff);
  return (winner ?? run.variations.find((v) => v.diff))?.index ?? null;
}
