// The events the panels understand, typed from @threads-agent/contracts, plus the ones the target
// architecture (ARCHITECTURE.md) announces that the contracts do not define yet. Anything else
// still arrives (servers deploy before dashboards refresh): it gets a generic log line.
import type { RunEvent, TaskEvent } from "@threads-agent/contracts";

/** One SSE `data:` object: the event type, the entity id, when it happened, and its own fields. */
export type IncomingEvent = { type: string; at?: string; snapshot?: boolean; [field: string]: unknown };

/** Insights collected after publishing (`post.engagement`). */
export type Engagement = {
  views?: number;
  likes?: number;
  replies?: number;
  reposts?: number;
  quotes?: number;
  shares?: number;
  /** Engagements per view, 0..1. */
  rate?: number;
};

/** Announced task events not (yet) in the contracts; when they land there, the types merge. */
export type UpcomingTaskEvent = { type: "post.engagement" } & Engagement;
export type UpcomingRunEvent = { type: "run.started" };

type Envelope = { at: string; snapshot?: boolean };
export type KnownTaskEvent = (TaskEvent | UpcomingTaskEvent) & Envelope;
export type KnownRunEvent = (RunEvent | UpcomingRunEvent) & Envelope;

// Records, so the typecheck fails when the contracts gain an event this file does not list.
const TASK_EVENT_TYPES: Record<KnownTaskEvent["type"], true> = {
  "task.queued": true,
  "task.scheduled": true,
  "task.awaiting_review": true,
  "task.approved": true,
  "task.deferred": true,
  "task.waiting": true,
  "task.started": true,
  "step.started": true,
  "step.delta": true,
  "step.completed": true,
  "task.retrying": true,
  "task.succeeded": true,
  "task.failed": true,
  "task.blocked": true,
  "task.rejected": true,
  "task.cancelled": true,
  "post.engagement": true,
};
const RUN_EVENT_TYPES: Record<KnownRunEvent["type"], true> = {
  "run.queued": true,
  "run.started": true,
  "variation.scheduled": true,
  "variation.started": true,
  "variation.log": true,
  "variation.succeeded": true,
  "variation.failed": true,
  "variation.verified": true,
  "run.completed": true,
  "run.cancelled": true,
  "run.ship_queued": true,
  "run.ship_started": true,
  "run.shipped": true,
  "run.ship_failed": true,
};

/** After these the server ends the stream (the contracts' TERMINAL_TASK_EVENTS). */
export const TERMINAL_TASK_EVENTS: ReadonlySet<string> = new Set<KnownTaskEvent["type"]>([
  "task.succeeded",
  "task.failed",
  "task.blocked",
  "task.rejected",
  "task.cancelled",
]);
export const TERMINAL_RUN_EVENTS: ReadonlySet<string> = new Set<KnownRunEvent["type"]>(["run.completed", "run.cancelled"]);

export function asTaskEvent(event: IncomingEvent): KnownTaskEvent | null {
  return Object.hasOwn(TASK_EVENT_TYPES, event.type) ? (event as unknown as KnownTaskEvent) : null;
}
export function asRunEvent(event: IncomingEvent): KnownRunEvent | null {
  return Object.hasOwn(RUN_EVENT_TYPES, event.type) ? (event as unknown as KnownRunEvent) : null;
}

/** Fields every event carries; not worth repeating in a log line. */
const ENVELOPE = new Set(["type", "at", "task_id", "run_id", "snapshot"]);

const firstLine = (text: string) => text.split("\n")[0] ?? "";

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "string") return value.length > 80 ? `${value.slice(0, 79)}…` : value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const json = JSON.stringify(value) ?? "";
  return json.length > 80 ? `${json.slice(0, 79)}…` : json;
}

/** A one-line summary of any event's own fields, for event logs: known fields in words, the rest as key=value. */
export function describeEvent(event: IncomingEvent): string {
  const parts: string[] = [];
  const rest: string[] = [];
  for (const [key, value] of Object.entries(event)) {
    if (ENVELOPE.has(key)) continue;
    switch (key) {
      case "step":
        parts.push(String(value));
        break;
      case "ms":
        if (typeof value === "number") parts.push(`${Math.round(value)} ms`);
        break;
      case "tokens":
        parts.push(`${describeValue(value)} tokens`);
        break;
      case "attempt":
        parts.push(`attempt ${describeValue(value)}`);
        break;
      case "delay_ms":
        if (typeof value === "number") parts.push(`retry in ${Math.round(value / 100) / 10} s`);
        break;
      case "error":
        if (value && typeof value === "object" && "code" in value && "message" in value) {
          parts.push(`${String(value.code)}: ${String(value.message)}`);
        } else parts.push(describeValue(value));
        break;
      case "reason":
      case "dependency":
        parts.push(describeValue(value));
        break;
      case "post":
        if (value && typeof value === "object" && "text" in value && typeof value.text === "string") parts.push(firstLine(value.text));
        break;
      default:
        rest.push(`${key}=${describeValue(value)}`);
    }
  }
  return [...parts, ...rest].join(" · ");
}
