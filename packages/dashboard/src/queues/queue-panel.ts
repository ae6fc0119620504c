// The Queues panel: GET /v1/queues as jobs per state for each queue, and the dead letters. Failed
// content jobs are tasks that failed after all their attempts: each can run again under the same
// id (POST /v1/tasks/:id/retry). A run's failures are final (its variations' output stays), so
// failed runs are listed to open, not to retry.
import type { QUEUES, Run } from "@threads-agent/contracts";
import { type Api, type Page, problemText } from "../api.ts";
import { add, byId, clear, h } from "../dom.ts";
import { ago, newKey, plural, repoName } from "../format.ts";
import { badge } from "../status.ts";
import type { DashboardTask } from "../tasks/task-state.ts";

type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
/** GET /v1/queues (services/orchestrator/src/routes/queues.ts); names and states beyond these are shown as they come. */
export type QueueDepths = { queues: { name: QueueName | (string & {}); counts: Record<string, number> }[] };

/** BullMQ's states in the order work moves through them. */
const STATE_ORDER = ["waiting", "prioritized", "delayed", "waiting-children", "active", "completed", "failed"];
const STATE_HELP: Record<string, string> = {
  waiting: "queued, ready for a worker",
  prioritized: "queued with a priority",
  delayed: "waiting for a retry backoff or a scheduled time",
  "waiting-children": "waiting for child jobs",
  active: "held by a worker now",
  completed: "done (kept for an hour)",
  failed: "dead letters: failed for good (attempts used up, or an outage longer than its budget)",
};
const QUEUE_TITLES: Record<string, string> = {
  content: "Content jobs (posts)",
  "agent-runs": "Agent runs",
  "agent-ships": "Winner pushes",
};

export function orderedStates(counts: Record<string, number>): [string, number][] {
  const known = STATE_ORDER.filter((s) => s in counts).map((s): [string, number] => [s, counts[s] ?? 0]);
  const other = Object.entries(counts).filter(([s]) => !STATE_ORDER.includes(s));
  return [...known, ...other];
}

export type QueuePanel = { start(): Promise<void>; refresh(): Promise<void> };

/** `onRetried` lets the Posts panel show the task queued again. */
export function createQueuePanel(api: Api, onRetried: (task: DashboardTask) => void): QueuePanel {
  const queueList = byId("queue-list");
  const deadList = byId("dead-list");
  const deadNotice = byId("dead-notice");
  let failedRuns: Run[] = [];

  async function loadQueues() {
    const res = await api.get<QueueDepths>("/v1/queues");
    byId("queues-state").textContent = res.ok ? `updated ${new Date().toLocaleTimeString()}` : `(could not refresh: ${problemText(res)})`;
    if (!res.ok) return;
    clear(queueList);
    for (const queue of res.data.queues) {
      const tiles = orderedStates(queue.counts).map(([state, count]) =>
        h(
          "div",
          { class: `tile${state === "failed" && count > 0 ? " dead" : ""}`, "data-state": state, title: STATE_HELP[state] ?? state },
          h("span", { class: "count", text: count }),
          h("span", { class: "state", text: state }),
        ),
      );
      queueList.appendChild(
        h(
          "section",
          { class: "card queue", "data-queue": queue.name, "aria-label": `Queue ${queue.name}` },
          h("h3", null, QUEUE_TITLES[queue.name] ?? queue.name, h("code", { text: queue.name })),
          h("div", { class: "tiles" }, tiles),
        ),
      );
    }
  }

  async function loadDeadLetters() {
    const [tasks, runs] = await Promise.all([
      api.get<Page<DashboardTask>>("/v1/tasks?status=failed&limit=50"),
      api.get<Page<Run>>("/v1/runs?status=failed&limit=10"),
    ]);
    byId("dead-state").textContent = tasks.ok ? `(${tasks.data.items.length}${tasks.data.next_cursor ? "+" : ""})` : "(could not refresh)";
    if (runs.ok) failedRuns = runs.data.items;
    if (!tasks.ok) return;
    clear(deadList);
    if (!tasks.data.items.length) deadList.appendChild(h("li", { class: "empty", text: "No failed tasks: nothing to retry." }));
    for (const t of tasks.data.items) deadList.appendChild(deadLetter(t));
    if (failedRuns.length) {
      deadList.appendChild(
        h("li", { class: "section-note", text: "Failed agent runs are final; open one to read its variations' output." }),
      );
      for (const r of failedRuns) {
        deadList.appendChild(
          h(
            "li",
            { class: "dead-run" },
            h("a", { href: `#run=${r.id}` }, h("span", { class: "title", text: r.prompt }), badge(r.status)),
            h("span", {
              class: "sub",
              text: `${repoName(r.repo_url)} · ${plural(r.variations.length, "variation")} · ${ago(r.created_at)}`,
            }),
          ),
        );
      }
    }
  }

  function deadLetter(t: DashboardTask): HTMLElement {
    const retry = h("button", { class: "button", type: "button", text: "Retry" });
    const li = h(
      "li",
      { class: "dead-task", "data-task": t.id },
      h(
        "div",
        { class: "dead-main" },
        h("a", { class: "title", href: `#task=${t.id}`, text: t.input }),
        h(
          "span",
          { class: "sub" },
          `${t.persona_id} · ${plural(t.attempts, "attempt")} · failed ${ago(t.finished_at ?? t.updated_at)}`,
          t.error ? h("span", { class: "dead-error", text: ` · ${t.error.code}: ${t.error.message}` }) : null,
        ),
      ),
      retry,
    );
    retry.addEventListener("click", async () => {
      retry.disabled = true;
      retry.textContent = "Retrying…";
      const res = await api.post<DashboardTask>(`/v1/tasks/${t.id}/retry`, { headers: { "idempotency-key": newKey() } });
      deadNotice.hidden = false;
      if (!res.ok) {
        retry.disabled = false;
        retry.textContent = "Retry";
        deadNotice.className = "alert";
        deadNotice.textContent = problemText(res);
        return;
      }
      deadNotice.className = "alert info";
      clear(deadNotice);
      add(deadNotice, [
        "Queued again: ",
        h("a", { href: `#task=${t.id}`, text: t.input.length > 60 ? `${t.input.slice(0, 59)}…` : t.input }),
      ]);
      li.remove();
      onRetried(res.data);
      await loadQueues();
    });
    return li;
  }

  async function refresh() {
    await Promise.all([loadQueues(), loadDeadLetters()]);
  }
  byId("queues-refresh").addEventListener("click", () => void refresh());
  return { start: refresh, refresh };
}
