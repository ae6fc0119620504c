// What the task detail shows, as a pure function of the task and its events, so every event's
// effect is testable without a browser. The panel renders this state after each event.
import type { Step, Task, TaskError } from "@threads-agent/contracts";
import { asTaskEvent, describeEvent, type Engagement, type IncomingEvent } from "../events.ts";
import { when } from "../format.ts";

/** A task as the dashboard holds it: the status widened, so a status a newer server sends is shown, not rejected. */
export type DashboardTask = Omit<Task, "status"> & { status: string };

export const STEPS = ["ingest", "hook", "body", "guardrail", "format"] as const satisfies readonly Step[];
export const STEP_TITLES: Record<Step, string> = { ingest: "Ingest", hook: "Hook", body: "Body", guardrail: "Guardrail", format: "Format" };
export const STEP_DOING: Record<Step, string> = {
  ingest: "Reading the input",
  hook: "Writing the hook",
  body: "Writing the body",
  guardrail: "Checking the guardrail",
  format: "Formatting the post",
};
const isStep = (value: unknown): value is Step => typeof value === "string" && (STEPS as readonly string[]).includes(value);

export type StepProgress =
  | { state: "pending" }
  | { state: "active" }
  | { state: "done"; ms: number; tokens: number | null }
  | { state: "blocked" };

export type LogLine = { at: string | null; type: string; info: string; known: boolean };

export type TaskView = {
  task: DashboardTask;
  steps: Record<Step, StepProgress>;
  /** The text of the step being written, token by token. */
  live: { step: Step; text: string } | null;
  /** Why the task is not moving right now (retrying, waiting, deferred, scheduled, in review). */
  notice: string | null;
  /** The stream had expired: the one event was a snapshot of the final state. */
  expired: boolean;
  engagement: Engagement | null;
  /** Token chunks seen (they are not logged line by line). */
  deltas: number;
};

const pendingSteps = (): Record<Step, StepProgress> =>
  Object.fromEntries(STEPS.map((s) => [s, { state: "pending" }])) as Record<Step, StepProgress>;

export function newTaskView(task: DashboardTask): TaskView {
  // The post's latest insights reading, when the API already has one.
  const engagement = (task.post as { engagement?: Engagement | null } | null)?.engagement ?? null;
  return { task, steps: pendingSteps(), live: null, notice: null, expired: false, engagement, deltas: 0 };
}

export type Applied = {
  /** The line for the event log; null for token chunks. */
  log: LogLine | null;
  /** The task's list entry changed (status, post): worth updating the list at once. */
  listChanged: boolean;
};

export const ENGAGEMENT_KEYS = [
  "views",
  "likes",
  "replies",
  "reposts",
  "quotes",
  "shares",
  "rate",
] as const satisfies readonly (keyof Engagement)[];

const num = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);
const text = (value: unknown, fallback = ""): string => (typeof value === "string" ? value : fallback);

function taskError(value: unknown): TaskError {
  if (value && typeof value === "object" && "code" in value && "message" in value) {
    return { code: String(value.code), message: String(value.message) };
  }
  return { code: "failed", message: text(value, "no reason given") };
}

/** Applies one event to the view (in place) and says what to log and whether the list needs it. */
export function applyTaskEvent(view: TaskView, incoming: IncomingEvent): Applied {
  const t = view.task;
  const event = asTaskEvent(incoming);
  const log: LogLine = { at: text(incoming.at) || null, type: incoming.type, info: describeEvent(incoming), known: event !== null };
  if (incoming.snapshot) view.expired = true;
  if (!event) return { log, listChanged: false };

  let listChanged = true;
  let keepNotice = false;
  switch (event.type) {
    case "task.queued":
      // A retried task starts over.
      t.status = "queued";
      t.error = null;
      t.post = null;
      view.live = null;
      view.steps = pendingSteps();
      break;
    case "task.started":
      t.status = "running";
      t.attempts = num(event.attempt) ?? t.attempts;
      view.steps = pendingSteps();
      break;
    case "step.started":
      listChanged = t.status !== "running";
      t.status = "running";
      if (isStep(event.step)) {
        view.steps[event.step] = { state: "active" };
        view.live = { step: event.step, text: "" };
      }
      break;
    case "step.delta":
      view.deltas++;
      if (isStep(event.step)) {
        if (view.live?.step !== event.step) view.live = { step: event.step, text: "" };
        view.live.text += text(event.text);
      }
      return { log: null, listChanged: false };
    case "step.completed":
      listChanged = false;
      if (isStep(event.step)) view.steps[event.step] = { state: "done", ms: Math.round(num(event.ms) ?? 0), tokens: num(event.tokens) };
      break;
    case "task.retrying": {
      keepNotice = true;
      const delay = Math.round((num(event.delay_ms) ?? 0) / 100) / 10;
      view.notice = `Attempt ${event.attempt} failed (${text(event.error, "unknown error")}); retrying in ${delay} s.`;
      for (const s of STEPS) if (view.steps[s].state === "active") view.steps[s] = { state: "pending" };
      view.live = null;
      break;
    }
    case "task.waiting": {
      // The API's status is `deferred` (owned by the delayed job); the notice says what it waits for.
      keepNotice = true;
      t.status = "deferred";
      view.live = null;
      for (const s of STEPS) if (view.steps[s].state === "active") view.steps[s] = { state: "pending" };
      const retryAt = text(event.retry_at);
      view.notice = `Waiting for ${text(event.dependency, "a dependency")}: it is unavailable${event.reason ? ` (${text(event.reason)})` : ""}. The task keeps its attempts and continues when it recovers${retryAt ? `; next try at ${when(retryAt)}` : ""}.`;
      break;
    }
    case "task.deferred":
      keepNotice = true;
      t.status = "deferred";
      view.live = null;
      view.notice = `Deferred until ${when(text(event.until))}${event.reason ? `: ${event.reason}` : ""}.`;
      break;
    case "task.scheduled":
      keepNotice = true;
      t.status = "scheduled";
      t.publish_at = text(event.publish_at) || t.publish_at;
      view.live = null;
      view.notice = `Scheduled to publish at ${when(text(event.publish_at))}.`;
      break;
    case "task.awaiting_review":
      keepNotice = true;
      t.status = "awaiting_review";
      view.live = null;
      if (event.post && typeof event.post === "object") t.post = event.post;
      view.notice = "The draft below waits for a review: it is published once approved.";
      break;
    case "task.approved":
      listChanged = false;
      t.approved_at = text(incoming.at) || t.approved_at;
      if (event.edited && t.post) t.post = { ...t.post, text: text(event.text, t.post.text) };
      break;
    case "task.succeeded":
      t.status = "succeeded";
      if (event.post && typeof event.post === "object") t.post = event.post;
      view.live = null;
      break;
    case "task.failed":
      t.status = "failed";
      t.error = taskError(event.error);
      view.live = null;
      break;
    case "task.blocked":
      t.status = "blocked";
      t.error = { code: typeof event.code === "string" ? event.code : "guardrail_blocked", message: text(event.reason) };
      view.steps.guardrail = { state: "blocked" };
      view.live = null;
      break;
    case "task.rejected":
      t.status = "rejected";
      t.error = { code: "rejected", message: text(event.reason, "rejected in review") };
      view.live = null;
      break;
    case "task.cancelled":
      t.status = "cancelled";
      view.live = null;
      break;
    case "post.engagement": {
      keepNotice = true;
      listChanged = false;
      const engagement: Engagement = { ...view.engagement };
      for (const key of ENGAGEMENT_KEYS) {
        const value = num(event[key]);
        if (value !== null) engagement[key] = value;
      }
      view.engagement = engagement;
      break;
    }
  }
  if (!keepNotice) view.notice = null;
  return { log, listChanged };
}

/** Whether the task can be cancelled or retried from the dashboard (the API's own rules). */
export const canCancel = (status: string) => ["queued", "running", "waiting", "deferred", "scheduled", "awaiting_review"].includes(status);
export const canRetry = (status: string) => status === "failed" || status === "cancelled";
