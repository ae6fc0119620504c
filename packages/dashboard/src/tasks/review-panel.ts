// The Review panel: drafts waiting at awaiting_review (approve as written, edit then approve, or
// reject with a reason) and the tasks scheduled to publish later, with their time. Items already
// on screen are kept as they are on each refresh, so a reviewer's edit is never overwritten.
import { type Api, type Page, problemText } from "../api.ts";
import { add, byId, clear, h } from "../dom.ts";
import { ago, newKey, THREADS_MAX_CHARS, threadsCount, when } from "../format.ts";
import type { DashboardTask } from "./task-state.ts";

export type ReviewPanel = { start(): Promise<void>; refresh(): Promise<void> };

type FieldProblem = { field: string; message: string };

/** `onChanged`: a task left the review (the Posts list shows its new status). */
export function createReviewPanel(api: Api, personaLabel: (id: string) => string, onChanged: (task: DashboardTask) => void): ReviewPanel {
  const list = byId("review-list");
  const scheduled = byId("scheduled-list");
  const notice = byId("review-notice");
  const items = new Map<string, HTMLElement>();

  function say(text: string, task?: DashboardTask, tone: "info" | "error" = "info") {
    notice.hidden = false;
    notice.className = tone === "info" ? "alert info" : "alert";
    clear(notice);
    add(notice, [text, task ? " " : null, task ? h("a", { href: `#task=${task.id}`, text: "Open the task" }) : null]);
  }

  function reviewItem(t: DashboardTask): HTMLElement {
    const draft = t.post?.text ?? "";
    const text = h("textarea", { class: "review-text", "aria-label": "Draft text", rows: 5, spellcheck: "true" });
    text.value = draft;
    const count = h("span", { class: "review-count" });
    const textError = h("div", { class: "field-error", "data-review-field": "text", hidden: true });
    const reason = h("input", {
      class: "review-reason",
      type: "text",
      maxlength: 1000,
      placeholder: "Why not? (required to reject)",
      "aria-label": "Reason for rejecting",
    });
    const reasonError = h("div", { class: "field-error", "data-review-field": "reason", hidden: true });
    const approve = h("button", { class: "button primary", type: "button", text: "Approve" });
    const reject = h("button", { class: "button danger", type: "button", text: "Reject" });
    const edited = () => text.value.trim() !== draft.trim();
    const recount = () => {
      const n = threadsCount(text.value.trim());
      count.textContent = `${n} / ${THREADS_MAX_CHARS}`;
      count.classList.toggle("over", n > THREADS_MAX_CHARS);
      approve.textContent = edited() ? "Approve edit" : "Approve";
    };
    text.addEventListener("input", recount);
    recount();
    const showErrors = (errors: readonly FieldProblem[]) => {
      for (const [el, field] of [
        [textError, "text"],
        [reasonError, "reason"],
      ] as const) {
        const error = errors.find((e) => e.field === field);
        el.hidden = !error;
        el.textContent = error?.message ?? "";
      }
    };
    // One key per intended action: a double click cannot act twice.
    let approveKey: string | null = null;
    text.addEventListener("input", () => {
      approveKey = null;
    });

    approve.addEventListener("click", async () => {
      approveKey ??= newKey();
      approve.disabled = reject.disabled = true;
      const body = edited() ? { text: text.value.trim() } : {};
      const res = await api.post<DashboardTask>(`/v1/tasks/${t.id}/approve`, { body, headers: { "idempotency-key": approveKey } });
      approve.disabled = reject.disabled = false;
      if (!res.ok) {
        const errors = res.problem.errors ?? [];
        showErrors(errors);
        if (!errors.length) say(problemText(res), t, "error");
        if (res.status >= 400 && res.status < 500) approveKey = null;
        return;
      }
      const later = res.data.status === "scheduled" && res.data.publish_at;
      say(later ? `Approved: it publishes at ${when(res.data.publish_at as string)}.` : "Approved: publishing now.", res.data);
      drop(t.id);
      onChanged(res.data);
      void loadScheduled();
    });

    reject.addEventListener("click", async () => {
      if (!reason.value.trim()) {
        showErrors([{ field: "reason", message: "Say why, so the persona's owner knows" }]);
        reason.focus();
        return;
      }
      approve.disabled = reject.disabled = true;
      const res = await api.post<DashboardTask>(`/v1/tasks/${t.id}/reject`, {
        body: { reason: reason.value.trim() },
        headers: { "idempotency-key": newKey() },
      });
      approve.disabled = reject.disabled = false;
      if (!res.ok) {
        const errors = res.problem.errors ?? [];
        showErrors(errors);
        if (!errors.length) say(problemText(res), t, "error");
        return;
      }
      say("Rejected: nothing was published.", res.data);
      drop(t.id);
      onChanged(res.data);
    });

    return h(
      "li",
      { class: "review-item", "data-task": t.id },
      h(
        "div",
        { class: "review-head" },
        h("strong", { text: personaLabel(t.persona_id) }),
        h("a", { class: "review-input", href: `#task=${t.id}`, text: t.input }),
        h("span", {
          class: "sub",
          text: `${t.slot_at ? "from its schedule · " : ""}${t.publish_at ? `publishes at ${when(t.publish_at)} once approved · ` : ""}written ${ago(t.updated_at)}`,
        }),
      ),
      h(
        "label",
        { class: "field" },
        text,
        h("div", { class: "hint" }, h("span", { text: "Edit the text if it needs it; the guardrail checks an edit." }), count),
        textError,
      ),
      h("div", { class: "review-actions" }, h("label", { class: "field reason" }, reason, reasonError), reject, approve),
    );
  }

  function drop(id: string) {
    items.get(id)?.remove();
    items.delete(id);
    showEmpty();
  }
  function showEmpty() {
    list.querySelector(".empty")?.remove();
    if (!items.size) list.appendChild(h("li", { class: "empty", text: "Nothing waits for a review." }));
    byId("review-count").textContent = items.size ? `(${items.size})` : "";
  }

  async function loadReview() {
    const res = await api.get<Page<DashboardTask>>("/v1/tasks?status=awaiting_review&limit=50");
    byId("review-state").textContent = res.ok ? "" : "(could not refresh)";
    if (!res.ok) return;
    const ids = new Set(res.data.items.map((t) => t.id));
    for (const [id] of items) if (!ids.has(id)) drop(id);
    // Oldest first: the draft that has waited longest is reviewed first.
    for (const t of [...res.data.items].reverse()) {
      if (items.has(t.id) || !t.post) continue;
      const li = reviewItem(t);
      items.set(t.id, li);
      list.appendChild(li);
    }
    showEmpty();
  }

  async function loadScheduled() {
    const res = await api.get<Page<DashboardTask>>("/v1/tasks?status=scheduled&limit=50");
    if (!res.ok) return;
    clear(scheduled);
    const soonest = [...res.data.items].sort((a, b) => Date.parse(a.publish_at ?? "") - Date.parse(b.publish_at ?? ""));
    if (!soonest.length) scheduled.appendChild(h("li", { class: "empty", text: "No posts scheduled." }));
    for (const t of soonest) {
      scheduled.appendChild(
        h(
          "li",
          { "data-task": t.id },
          h(
            "a",
            { class: "scheduled-item", href: `#task=${t.id}` },
            h("time", { class: "when", datetime: t.publish_at ?? "", text: t.publish_at ? when(t.publish_at) : "—" }),
            h("span", { class: "title", text: t.input }),
            h("span", { class: "sub", text: `${personaLabel(t.persona_id)}${t.approved_at ? " · approved" : ""}` }),
          ),
        ),
      );
    }
  }

  const refresh = async () => {
    await Promise.all([loadReview(), loadScheduled()]);
  };
  return { start: refresh, refresh };
}
