// The Posts panel: the form that submits a task, the list of recent tasks, and the selected task's
// detail following its events live (steps, the text being written, the published post).
import type { Persona, PersonaStats, Post, Task } from "@threads-agent/contracts";
import { type Api, type Page, problemText, showFieldErrors } from "../api.ts";
import { add, appendEventLine, byId, clear, h } from "../dom.ts";
import { type EventFollower, followEvents } from "../event-stream.ts";
import { TERMINAL_TASK_EVENTS } from "../events.ts";
import { ago, newKey, THREADS_MAX_CHARS, threadsCount, when } from "../format.ts";
import { badge, setBadge } from "../status.ts";
import {
  type Applied,
  applyTaskEvent,
  canCancel,
  canRetry,
  type DashboardTask,
  ENGAGEMENT_KEYS,
  type LogLine,
  newTaskView,
  STEP_DOING,
  STEP_TITLES,
  STEPS,
  type TaskView,
} from "./task-state.ts";

const MAX_INPUT = 2000;
const UNKNOWN_PERSONA = (id: string) => ({ emoji: "•", name: id });

type Detail = {
  view: TaskView;
  follower: EventFollower | null;
  els: {
    badge: HTMLElement;
    streamState: HTMLElement;
    cancel: HTMLButtonElement;
    retry: HTMLButtonElement;
    notice: HTMLElement;
    steps: Map<string, HTMLElement>;
    live: HTMLElement;
    liveLabel: HTMLElement;
    liveText: HTMLElement;
    result: HTMLElement;
    usage: HTMLElement;
    events: HTMLElement;
    eventCount: HTMLElement;
  };
};

export type TaskPanel = {
  start(): Promise<void>;
  refresh(): Promise<void>;
  select(id: string): void;
  /** "🙏 AI Jesus" for a persona id (the review panel's labels). */
  personaLabel(id: string): string;
  /** Another panel changed a task (approved, rejected): the list and an open detail take the new state. */
  changed(task: DashboardTask): void;
};

export function createTaskPanel(api: Api): TaskPanel {
  const form = byId<HTMLFormElement>("compose");
  const personaSelect = byId<HTMLSelectElement>("persona");
  const input = byId<HTMLTextAreaElement>("input");
  const submit = byId<HTMLButtonElement>("submit");
  const reviewFirst = byId<HTMLInputElement>("review-first");
  const publishAt = byId<HTMLInputElement>("publish-at");
  const list = byId("task-list");
  const detailEl = byId("detail");

  let personas = new Map<string, Persona>();
  let tasks: DashboardTask[] = [];
  let filter = "";
  let current: Detail | null = null;
  // One Idempotency-Key per intended submission: a double click or a retry after a network error cannot create the task twice.
  let submissionKey: string | null = null;

  const personaOf = (id: string) => personas.get(id) ?? UNKNOWN_PERSONA(id);

  // ---- personas and the form ------------------------------------------------------------------
  async function loadPersonas() {
    const res = await api.get<Page<Persona>>("/v1/personas?limit=200");
    if (!res.ok) {
      clear(personaSelect).appendChild(h("option", { value: "", text: "Could not load personas" }));
      return;
    }
    const chosen = personaSelect.value;
    personas = new Map(res.data.items.map((p) => [p.id, p]));
    clear(personaSelect);
    for (const p of res.data.items) personaSelect.appendChild(h("option", { value: p.id, text: `${p.emoji}  ${p.name}` }));
    if (!res.data.items.length) personaSelect.appendChild(h("option", { value: "", text: "No personas yet" }));
    if (personas.has(chosen)) personaSelect.value = chosen;
    describePersona();
  }
  function describePersona() {
    byId("persona-description").textContent = personas.get(personaSelect.value)?.description ?? "";
    void loadStats();
  }

  // The persona's engagement over 7 days next to the seed's targets (6%, $0.01 per follower).
  async function loadStats() {
    const el = byId("persona-stats");
    const id = personaSelect.value;
    if (!id) return void clear(el);
    const res = await api.get<PersonaStats>(`/v1/personas/${encodeURIComponent(id)}/stats?window=7d`);
    if (personaSelect.value !== id) return;
    clear(el);
    if (!res.ok) return void el.appendChild(h("span", { class: "hint", text: "Engagement figures unavailable" }));
    const s = res.data;
    const figure = (label: string, value: string, target: string, good: boolean | null) =>
      h(
        "span",
        { class: `kpi ${good === null ? "" : good ? "on-target" : "off-target"}`, title: `target ${target}` },
        `${label} `,
        h("b", { text: value }),
        h("small", { text: ` / ${target}` }),
      );
    add(el, [
      figure(
        "Engagement",
        s.engagement_rate === null ? "—" : `${(s.engagement_rate * 100).toFixed(1)}%`,
        "6%",
        s.on_target.engagement_rate,
      ),
      figure(
        "Cost per follower",
        s.cost_per_follower_usd === null ? "—" : `$${s.cost_per_follower_usd.toFixed(4)}`,
        "$0.01",
        s.on_target.cost_per_follower,
      ),
      h(
        "span",
        { class: "kpi" },
        "Followers ",
        h("b", { text: s.followers === null ? "—" : String(s.followers) }),
        h("small", { text: ` (+${s.followers_gained} in 7 days)` }),
      ),
      h("span", { class: "kpi" }, "Posts ", h("b", { text: String(s.posts) }), h("small", { text: ` · ${s.views} views` })),
    ]);
  }
  personaSelect.addEventListener("change", () => {
    describePersona();
    submissionKey = null;
  });
  for (const el of [reviewFirst, publishAt]) el.addEventListener("change", () => (submissionKey = null));
  input.addEventListener("input", () => {
    byId("input-count").textContent = `${input.value.length} / ${MAX_INPUT}`;
    submissionKey = null; // a changed request is a new request
  });

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const alertBox = byId("form-error");
    alertBox.hidden = true;
    const taskType = form.querySelector<HTMLInputElement>('input[name="task_type"]:checked')?.value ?? "trend";
    // datetime-local is the browser's local time without an offset; the API takes an ISO time with one.
    const publishTime = publishAt.value ? new Date(publishAt.value) : null;
    // No text: the API takes the persona's freshest unused trend (and says so under the field when it has none).
    const text = input.value.trim();
    const body = {
      persona_id: personaSelect.value,
      ...(text ? { input: input.value } : {}),
      task_type: taskType,
      ...(reviewFirst.checked ? { review: true } : {}),
      ...(publishTime && !Number.isNaN(publishTime.getTime()) ? { publish_at: publishTime.toISOString() } : {}),
    };
    submissionKey ??= newKey();
    submit.disabled = true;
    submit.textContent = "Submitting…";
    const res = await api.post<Task>("/v1/tasks", { body, headers: { "idempotency-key": submissionKey } });
    submit.disabled = false;
    submit.textContent = "Generate post";
    if (res.ok) {
      submissionKey = null;
      showFieldErrors(form, "field", []);
      input.value = "";
      publishAt.value = "";
      byId("input-count").textContent = `0 / ${MAX_INPUT}`;
      upsert(res.data);
      select(res.data.id);
      return;
    }
    const errors = res.problem.errors ?? [];
    const unplaced = showFieldErrors(form, "field", errors);
    // Errors shown under their fields need no banner; anything else (outage, conflict) does.
    if (res.status !== 401 && (errors.length === 0 || unplaced.length > 0)) {
      alertBox.textContent = problemText(res) + (unplaced.length ? ` (${unplaced.join("; ")})` : "");
      alertBox.hidden = false;
    }
    // A 4xx means the request itself must change; keep the key only for transient failures.
    if (res.status >= 400 && res.status < 500) submissionKey = null;
  });

  // ---- the list -------------------------------------------------------------------------------
  async function loadTasks() {
    const res = await api.get<Page<DashboardTask>>(`/v1/tasks?limit=40${filter ? `&status=${encodeURIComponent(filter)}` : ""}`);
    byId("list-state").textContent = res.ok ? "" : "(could not refresh)";
    if (!res.ok) return;
    tasks = res.data.items;
    renderList();
  }
  function upsert(task: DashboardTask) {
    let found = false;
    tasks = tasks.map((t) => {
      if (t.id !== task.id) return t;
      found = true;
      return { ...task };
    });
    if (!found && (!filter || filter === task.status)) tasks.unshift({ ...task });
    renderList();
  }
  function renderList() {
    clear(list);
    if (!tasks.length) {
      list.appendChild(h("li", { class: "empty", text: filter ? `No ${filter} tasks.` : "No tasks yet — submit one above." }));
      return;
    }
    for (const t of tasks) {
      const p = personaOf(t.persona_id);
      list.appendChild(
        h(
          "li",
          null,
          h(
            "button",
            { type: "button", "aria-current": String(current?.view.task.id === t.id), onclick: () => select(t.id) },
            h("span", { class: "emoji", "aria-hidden": "true", text: p.emoji }),
            h("span", { class: "title", text: t.input }),
            badge(t.status),
            h("span", {
              class: "sub",
              text: `${p.name} · ${t.task_type} · ${ago(t.created_at)}${t.status === "scheduled" && t.publish_at ? ` · publishes ${when(t.publish_at)}` : ""}`,
            }),
          ),
        ),
      );
    }
  }
  for (const chip of byId("filters").querySelectorAll<HTMLButtonElement>(".chip")) {
    chip.addEventListener("click", () => {
      filter = chip.dataset.status ?? "";
      for (const c of byId("filters").querySelectorAll(".chip")) c.setAttribute("aria-pressed", String(c === chip));
      void loadTasks();
    });
  }

  // ---- the detail -------------------------------------------------------------------------------
  async function select(id: string) {
    if (location.hash !== `#task=${id}`) history.replaceState(null, "", `#task=${id}`);
    if (current?.view.task.id === id) return;
    current?.follower?.close();
    const res = await api.get<DashboardTask>(`/v1/tasks/${encodeURIComponent(id)}`);
    if (!res.ok) {
      current = null;
      clear(detailEl).appendChild(
        h("div", { class: "welcome" }, h("h3", { text: "Task not available" }), h("p", { text: problemText(res) })),
      );
      return;
    }
    current = renderDetail(newTaskView(res.data));
    renderList();
    follow(current);
  }

  function renderDetail(view: TaskView): Detail {
    const t = view.task;
    const p = personaOf(t.persona_id);
    const steps = new Map<string, HTMLElement>();
    const stepper = h("ol", { class: "stepper", "aria-label": "Pipeline steps" });
    for (const s of STEPS) {
      const li = h(
        "li",
        { class: "step", "data-step": s },
        h("div", { class: "label" }, h("span", { class: "dot", "aria-hidden": "true" }), STEP_TITLES[s]),
        h("div", { class: "stat" }),
      );
      steps.set(s, li);
      stepper.appendChild(li);
    }
    const detail: Detail = {
      view,
      follower: null,
      els: {
        badge: badge(t.status),
        streamState: h("span", { class: "stream-state" }),
        cancel: h("button", { class: "button danger", type: "button", text: "Cancel", onclick: () => void cancel(detail) }),
        retry: h("button", { class: "button", type: "button", text: "Retry", onclick: () => void retry(detail) }),
        notice: h("div", { class: "alert info notice", role: "status", hidden: true }),
        steps,
        liveLabel: h("div", { class: "live-label" }),
        liveText: h("p", { class: "live-text" }),
        live: h("div", { class: "live", hidden: true }),
        result: h("div"),
        usage: h("div", { class: "usage" }),
        events: h("ol", { class: "events" }),
        eventCount: h("span"),
      },
    };
    const els = detail.els;
    add(els.live, [els.liveLabel, els.liveText]);
    add(clear(detailEl), [
      h(
        "div",
        { class: "detail-head" },
        h(
          "div",
          { class: "who" },
          h("span", { class: "avatar", "aria-hidden": "true", text: p.emoji }),
          h(
            "div",
            { class: "who-text" },
            h("div", { class: "name", text: p.name }),
            h("div", { class: "meta" }, `${t.task_type} · created ${ago(t.created_at)} · `, h("code", { text: t.id })),
          ),
        ),
        h("div", { class: "actions" }, els.badge, els.streamState, els.cancel, els.retry),
      ),
      h("div", { class: "input-quote" }, h("span", { class: "kind", text: t.task_type === "pain" ? "Pain statement" : "Trend" }), t.input),
      els.notice,
      stepper,
      els.live,
      els.result,
      els.usage,
      h("details", { class: "log", open: true }, h("summary", null, "Events ", els.eventCount), els.events),
    ]);
    renderState(detail);
    return detail;
  }

  function renderState(detail: Detail) {
    const { view, els } = detail;
    const t = view.task;
    setBadge(els.badge, t.status);
    els.cancel.hidden = !canCancel(t.status);
    els.retry.hidden = !canRetry(t.status);
    for (const s of STEPS) {
      const progress = view.steps[s];
      const li = els.steps.get(s);
      if (!li) continue;
      li.className = `step ${progress.state === "pending" ? "" : progress.state}`;
      (li.lastChild as HTMLElement).textContent =
        progress.state === "done"
          ? `${progress.ms} ms${progress.tokens ? ` · ${progress.tokens} tok` : ""}`
          : progress.state === "active"
            ? "running…"
            : progress.state === "blocked"
              ? "blocked"
              : "";
    }
    els.live.hidden = !(view.live && t.status === "running");
    if (view.live) {
      els.liveLabel.textContent = `${STEP_DOING[view.live.step]}…`;
      els.liveText.textContent = view.live.text;
    }
    const notice = view.expired ? "The step-by-step history of this task has expired; this is its final state." : view.notice;
    els.notice.hidden = !notice;
    els.notice.textContent = notice ?? "";

    clear(els.result);
    if (t.post) els.result.appendChild(renderPost(t.post, t.status, view));
    if (t.status === "rejected" && t.error) {
      els.result.appendChild(
        h("div", { class: "outcome failed" }, h("strong", { text: "Rejected in review, nothing published" }), t.error.message),
      );
    } else if (t.post) {
      // The post says the rest.
    } else if (t.status === "failed" && t.error) {
      els.result.appendChild(h("div", { class: "outcome failed" }, h("strong", { text: `Failed: ${t.error.code}` }), t.error.message));
    } else if (t.status === "blocked") {
      els.result.appendChild(
        h("div", { class: "outcome blocked" }, h("strong", { text: "Blocked by the guardrail" }), t.error?.message ?? ""),
      );
    } else if (t.status === "cancelled") {
      els.result.appendChild(h("div", { class: "outcome cancelled" }, h("strong", { text: "Cancelled" }), "Retry to run it again."));
    }
    clear(els.usage);
    if (t.usage && (t.usage.tokens_in || t.usage.tokens_out)) {
      add(els.usage, [
        h("span", null, "Tokens in ", h("b", { text: t.usage.tokens_in })),
        h("span", null, "Tokens out ", h("b", { text: t.usage.tokens_out })),
        h("span", null, "Cost ", h("b", { text: `$${Number(t.usage.cost_usd).toFixed(4)}` })),
        h("span", null, "Attempts ", h("b", { text: t.attempts })),
      ]);
    }
    const logged = els.events.childElementCount;
    els.eventCount.textContent = `(${logged}${view.deltas ? `, plus ${view.deltas} streamed token chunks` : ""})`;
  }

  function renderPost(post: Post, status: string, view: TaskView) {
    const p = personaOf(post.persona_id);
    const state = post.published_id
      ? post.permalink
        ? h("a", { href: post.permalink, target: "_blank", rel: "noopener noreferrer", text: "Published · view on Threads" })
        : `Published · ${post.published_id}`
      : status === "awaiting_review"
        ? h("a", { href: "#review", text: "Draft · awaiting review" })
        : status === "rejected"
          ? "Draft · rejected"
          : status === "scheduled" && view.task.publish_at
            ? `Scheduled · publishes ${when(view.task.publish_at)}`
            : status === "deferred"
              ? "Waiting for the Threads publishing quota"
              : "Not published yet";
    const styleNote = post.hook_style ? h("span", { class: "hook-style", text: `hook: ${post.hook_style.replace(/_/g, " ")}` }) : null;
    const engagement = view.engagement
      ? h(
          "div",
          { class: "engagement", "aria-label": "Engagement" },
          ENGAGEMENT_KEYS.filter((k) => view.engagement?.[k] !== undefined).map((k) =>
            h(
              "span",
              null,
              `${k} `,
              h("b", { text: k === "rate" ? `${((view.engagement?.[k] ?? 0) * 100).toFixed(1)}%` : String(view.engagement?.[k]) }),
            ),
          ),
        )
      : null;
    return h(
      "article",
      { class: "post", "aria-label": post.published_id ? "Published post" : "Draft post" },
      h(
        "header",
        null,
        h("span", { class: "avatar", "aria-hidden": "true", text: p.emoji }),
        h("div", { class: "who-text" }, h("strong", { text: p.name }), h("span", { class: "handle", text: `@${post.persona_id}` })),
        h("span", { class: "published" }, state),
      ),
      h("p", { class: "post-text", text: post.text }),
      // Counted as Threads counts them: emoji as their UTF-8 bytes.
      h("footer", null, `${threadsCount(post.text)} / ${THREADS_MAX_CHARS} characters`, styleNote, engagement),
    );
  }

  function logEvent(detail: Detail, line: LogLine) {
    appendEventLine(detail.els.events, line);
  }

  function follow(detail: Detail) {
    detail.follower = followEvents(
      `/v1/tasks/${detail.view.task.id}/events`,
      {
        event: (event) => {
          if (current !== detail) return;
          let applied: Applied;
          try {
            applied = applyTaskEvent(detail.view, event);
          } catch (err) {
            // An event this version cannot apply must not stop the stream: log it and go on.
            applied = {
              log: { at: null, type: event.type, info: `could not apply: ${(err as Error).message}`, known: false },
              listChanged: false,
            };
          }
          if (applied.log) logEvent(detail, applied.log);
          if (applied.listChanged) upsert(detail.view.task);
          renderState(detail);
        },
        isTerminal: (type) => TERMINAL_TASK_EVENTS.has(type),
        end: () => void refreshTask(detail),
        // A rejected stream (bad key, deleted task): a plain request says why (and asks for a key on 401).
        closed: () => void api.get(`/v1/tasks/${detail.view.task.id}`),
        state: (state) => {
          if (current === detail) detail.els.streamState.textContent = state;
        },
      },
      detail.follower?.lastEventId ?? null,
    );
  }

  async function refreshTask(detail: Detail) {
    const res = await api.get<DashboardTask>(`/v1/tasks/${detail.view.task.id}`);
    if (!res.ok || current !== detail) return;
    detail.view.task = res.data;
    const engagement = (res.data.post as { engagement?: TaskView["engagement"] } | null)?.engagement;
    if (engagement) detail.view.engagement = engagement;
    renderState(detail);
    upsert(res.data);
  }

  function notify(detail: Detail, text: string) {
    detail.view.notice = text;
    renderState(detail);
  }

  async function cancel(detail: Detail) {
    detail.els.cancel.disabled = true;
    const res = await api.post<DashboardTask>(`/v1/tasks/${detail.view.task.id}/cancel`, { headers: { "idempotency-key": newKey() } });
    detail.els.cancel.disabled = false;
    if (current !== detail) return;
    if (!res.ok) return notify(detail, problemText(res));
    detail.view.task.status = res.data.status;
    upsert(res.data);
    if (res.status === 202) notify(detail, "Cancel requested: the worker running this task stops it after the current step.");
    else renderState(detail);
  }

  async function retry(detail: Detail) {
    detail.els.retry.disabled = true;
    const res = await api.post<DashboardTask>(`/v1/tasks/${detail.view.task.id}/retry`, { headers: { "idempotency-key": newKey() } });
    detail.els.retry.disabled = false;
    if (current !== detail) return;
    if (!res.ok) return notify(detail, problemText(res));
    detail.view.task = res.data;
    upsert(res.data);
    renderState(detail);
    // The old stream ended with the terminal event; the new events follow it in the same stream.
    follow(detail);
  }

  return {
    async start() {
      await loadPersonas();
      await loadTasks();
    },
    async refresh() {
      await Promise.all([loadTasks(), loadStats()]);
    },
    select: (id) => void select(id),
    personaLabel: (id) => {
      const p = personaOf(id);
      return `${p.emoji} ${p.name}`;
    },
    changed(task) {
      upsert(task);
      if (current?.view.task.id === task.id) void refreshTask(current);
    },
  };
}
