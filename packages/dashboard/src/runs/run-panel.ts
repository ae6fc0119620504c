// The Agent runs panel: the form that starts a run, the list of recent runs, and the selected
// run's variations side by side, their output streaming live, their proposed changes as diffs,
// and the winner the user picks.
import type { Run, VariationLogLine } from "@threads-agent/contracts";
import { type Api, type Page, problemText, showFieldErrors } from "../api.ts";
import { add, appendEventLine, byId, clear, h, stickToEnd } from "../dom.ts";
import { type EventFollower, followEvents } from "../event-stream.ts";
import { TERMINAL_RUN_EVENTS } from "../events.ts";
import { ago, duration, newKey, plural, repoName } from "../format.ts";
import { badge, setBadge, statusLabel } from "../status.ts";
import type { LogLine } from "../tasks/task-state.ts";
import { createDiffView, type DiffView, statsText } from "./diff-view.ts";
import {
  applyRunEvent,
  type DashboardRun,
  type DashboardVariation,
  FINISHED_RUN_STATUSES,
  FINISHED_VARIATION_STATUSES,
  type OutputLine,
  type RunApplied,
} from "./run-state.ts";
import { chip, comparison, defaultBranch, verificationDetails, verificationVerdict } from "./verification-view.ts";

/** Lines kept on the page per variation; the full log is one click away. */
const MAX_DOM_LINES = 3000;

type Card = {
  index: number;
  lines: number;
  shown: number;
  dropped: number;
  el: HTMLElement;
  badge: HTMLElement;
  meta: HTMLElement;
  crown: HTMLElement;
  reason: HTMLElement;
  log: HTMLElement;
  count: HTMLElement;
  pick: HTMLButtonElement;
  summary: HTMLElement;
  change: HTMLElement;
  /** Verification badge, comparison with the baseline, score, suggested marker. */
  verdict: HTMLElement;
  checks: HTMLElement;
  /** The last verification rendered (the details are rebuilt only when it changes). */
  checksKey: string;
  download: HTMLAnchorElement;
  push: HTMLFormElement;
  branch: HTMLInputElement;
  pushButton: HTMLButtonElement;
};

type Detail = {
  run: DashboardRun;
  follower: EventFollower | null;
  cards: Map<number, Card>;
  pending: OutputLine[];
  frame: number;
  refreshTimer: number;
  diff: DiffView;
  els: {
    badge: HTMLElement;
    streamState: HTMLElement;
    cancel: HTMLButtonElement;
    notice: HTMLElement;
    /** The suggested winner and why, and where the winner was pushed. */
    suggestion: HTMLElement;
    shipped: HTMLElement;
    events: HTMLElement;
    eventCount: HTMLElement;
  };
};

export type RunPanel = { start(): Promise<void>; refresh(): Promise<void>; select(id: string): void };

export function createRunPanel(api: Api): RunPanel {
  const form = byId<HTMLFormElement>("run-form");
  const list = byId("run-list");
  const detailEl = byId("run-detail");
  let runs: DashboardRun[] = [];
  let current: Detail | null = null;
  let submissionKey: string | null = null;

  // ---- the form -------------------------------------------------------------------------------
  for (const id of ["run-repo", "run-prompt", "run-variations", "run-model"])
    byId(id).addEventListener("input", () => (submissionKey = null));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const alertBox = byId("run-form-error");
    alertBox.hidden = true;
    const body: { repo_url: string; prompt: string; variations: number; model?: string } = {
      repo_url: byId<HTMLInputElement>("run-repo").value.trim(),
      prompt: byId<HTMLTextAreaElement>("run-prompt").value,
      variations: Number(byId<HTMLInputElement>("run-variations").value),
    };
    const model = byId<HTMLInputElement>("run-model").value.trim();
    if (model) body.model = model;
    const local: { field: string; message: string }[] = [];
    if (!body.repo_url) local.push({ field: "repo_url", message: "Paste the URL of a git repository" });
    if (!body.prompt.trim()) local.push({ field: "prompt", message: "Say what the agent should do" });
    if (local.length) {
      showFieldErrors(form, "run-field", local);
      return;
    }
    submissionKey ??= newKey();
    const button = byId<HTMLButtonElement>("run-submit");
    button.disabled = true;
    button.textContent = "Starting…";
    const res = await api.post<DashboardRun>("/v1/runs", { body, headers: { "idempotency-key": submissionKey } });
    button.disabled = false;
    button.textContent = "Start run";
    if (res.ok) {
      submissionKey = null;
      showFieldErrors(form, "run-field", []);
      upsert(res.data);
      select(res.data.id);
      return;
    }
    const errors = res.problem.errors ?? [];
    const unplaced = showFieldErrors(form, "run-field", errors);
    if (res.status !== 401 && (errors.length === 0 || unplaced.length > 0)) {
      alertBox.textContent = problemText(res) + (unplaced.length ? ` (${unplaced.join("; ")})` : "");
      alertBox.hidden = false;
    }
    if (res.status >= 400 && res.status < 500) submissionKey = null;
  });

  // ---- the list -------------------------------------------------------------------------------
  async function loadRuns() {
    const res = await api.get<Page<DashboardRun>>("/v1/runs?limit=20");
    byId("run-list-state").textContent = res.ok ? "" : "(could not refresh)";
    if (!res.ok) return;
    runs = res.data.items;
    renderList();
  }
  function upsert(run: DashboardRun) {
    const copy = structuredClone(run);
    const at = runs.findIndex((r) => r.id === run.id);
    if (at >= 0) runs[at] = copy;
    else runs.unshift(copy);
    renderList();
  }
  function renderList() {
    clear(list);
    if (!runs.length) {
      list.appendChild(h("li", { class: "empty", text: "No runs yet — start one above." }));
      return;
    }
    for (const r of runs) {
      list.appendChild(
        h(
          "li",
          null,
          h(
            "button",
            { type: "button", "aria-current": String(current?.run.id === r.id), onclick: () => select(r.id) },
            h("span", { class: "emoji", "aria-hidden": "true", text: r.winner !== null && r.winner !== undefined ? "🏆" : "🤖" }),
            h("span", { class: "title", text: r.prompt }),
            badge(r.status),
            h("span", {
              class: "sub",
              text: `${repoName(r.repo_url)} · ${plural(r.variations.length, "variation")} · ${ago(r.created_at)}`,
            }),
          ),
        ),
      );
    }
  }

  // ---- the detail -----------------------------------------------------------------------------
  async function select(id: string) {
    if (location.hash !== `#run=${id}`) history.replaceState(null, "", `#run=${id}`);
    if (current?.run.id === id) return;
    close(current);
    const res = await api.get<DashboardRun>(`/v1/runs/${encodeURIComponent(id)}`);
    if (!res.ok) {
      current = null;
      clear(detailEl).appendChild(
        h("div", { class: "welcome" }, h("h3", { text: "Run not available" }), h("p", { text: problemText(res) })),
      );
      return;
    }
    current = renderDetail(res.data);
    renderList();
    follow(current);
    byId("runs").scrollIntoView({ behavior: "smooth", block: "start" });
  }

  function close(detail: Detail | null) {
    if (!detail) return;
    detail.follower?.close();
    if (detail.frame) cancelAnimationFrame(detail.frame);
    window.clearTimeout(detail.refreshTimer);
  }

  function renderDetail(run: DashboardRun): Detail {
    const detail: Detail = {
      run,
      follower: null,
      cards: new Map(),
      pending: [],
      frame: 0,
      refreshTimer: 0,
      diff: createDiffView(),
      els: {
        badge: badge(run.status),
        streamState: h("span", { class: "stream-state" }),
        cancel: h("button", { class: "button danger", type: "button", text: "Cancel run", onclick: () => void cancel(detail) }),
        notice: h("div", { class: "alert info notice", role: "status", hidden: true }),
        suggestion: h("div", { class: "suggestion", hidden: true }),
        shipped: h("div", { class: "shipped", role: "status", hidden: true }),
        events: h("ol", { class: "events" }),
        eventCount: h("span"),
      },
    };
    const grid = h("div", { class: "variations" });
    for (const v of run.variations) {
      const card = makeCard(detail, v.index);
      detail.cards.set(v.index, card);
      grid.appendChild(card.el);
    }
    const els = detail.els;
    add(clear(detailEl), [
      h(
        "div",
        { class: "detail-head" },
        h(
          "div",
          { class: "who" },
          h("span", { class: "avatar", "aria-hidden": "true", text: "🤖" }),
          h(
            "div",
            { class: "who-text" },
            h("div", { class: "name run-repo", text: run.repo_url }),
            h(
              "div",
              { class: "meta" },
              `${plural(run.variations.length, "variation")} · created ${ago(run.created_at)} · `,
              h("code", { text: run.id }),
            ),
          ),
        ),
        h("div", { class: "actions" }, els.badge, els.streamState, els.cancel),
      ),
      h("div", { class: "input-quote" }, h("span", { class: "kind", text: "Prompt" }), run.prompt),
      run.check_command
        ? h("div", { class: "input-quote" }, h("span", { class: "kind", text: "Verified with" }), h("code", { text: run.check_command }))
        : null,
      els.notice,
      els.suggestion,
      els.shipped,
      grid,
      detail.diff.el,
      h("details", { class: "log run-log" }, h("summary", null, "Run events ", els.eventCount), els.events),
    ]);
    renderState(detail);
    return detail;
  }

  function makeCard(detail: Detail, index: number): Card {
    const card: Card = {
      index,
      lines: 0,
      shown: 0,
      dropped: 0,
      el: h("article", { class: "variation", "aria-label": `Variation ${index}` }),
      badge: badge("queued"),
      meta: h("span", { class: "vmeta" }),
      crown: h("span", { class: "vcrown", text: "🏆 Winner", hidden: true }),
      reason: h("div", { class: "vreason", hidden: true }),
      log: h("pre", { class: "vlog", role: "log", "aria-label": `Output of variation ${index}` }),
      count: h("span", { class: "vcount" }),
      pick: h("button", {
        class: "button",
        type: "button",
        text: "Pick as winner",
        hidden: true,
        onclick: () => void pickWinner(detail, index),
      }),
      summary: h("div", { class: "vsummary", hidden: true }),
      change: h("button", {
        class: "vchange",
        type: "button",
        hidden: true,
        onclick: () => {
          detail.diff.show(index);
          detail.diff.el.scrollIntoView({ behavior: "smooth", block: "start" });
        },
      }),
      verdict: h("div", { class: "vverdict", "aria-label": `Verification of variation ${index}` }),
      checks: h("div", { class: "vchecks-slot" }),
      checksKey: "",
      download: h("a", {
        class: "vdownload",
        href: `/v1/runs/${detail.run.id}/variations/${index}/patch`,
        download: `run-${detail.run.id}-variation-${index}.patch`,
        text: "Download patch",
        hidden: true,
        onclick: (e: Event) => {
          e.preventDefault();
          void downloadPatch(detail, index);
        },
      }),
      push: h("form", { class: "vpush", hidden: true, "aria-label": `Push variation ${index} as a branch` }),
      branch: h("input", {
        type: "text",
        name: "branch",
        value: defaultBranch(detail.run.id, index),
        "aria-label": `New branch for variation ${index}`,
        spellcheck: "false",
        autocomplete: "off",
      }),
      pushButton: h("button", { class: "button", type: "submit", text: "Pick & push branch" }),
    };
    add(card.push, [card.branch, card.pushButton]);
    card.push.addEventListener("submit", (e) => {
      e.preventDefault();
      void pickWinner(detail, index, card.branch.value.trim());
    });
    add(card.el, [
      h("header", null, h("span", { class: "vname", text: `#${index}` }), card.meta, card.crown, card.badge),
      card.verdict,
      card.reason,
      card.log,
      card.summary,
      card.checks,
      h("footer", null, card.count, card.change, card.download, card.pick),
      card.push,
    ]);
    return card;
  }

  /** The verification badge, its comparison with the baseline, the score and the suggestion marker. */
  function renderVerdict(detail: Detail, card: Card, v: DashboardVariation) {
    const finished = v.status === "succeeded";
    clear(card.verdict);
    card.verdict.hidden = !finished && !v.outcome;
    if (card.verdict.hidden) return;
    const verdict = verificationVerdict(v);
    const compared = comparison(v.outcome);
    const suggested = detail.run.suggested_winner?.variation === v.index;
    add(card.verdict, [
      chip(verdict.label, verdict.tone, verdict.title),
      compared ? chip(compared.label, compared.tone, v.verification?.summary?.detail ?? "relative to the unmodified checkout") : null,
      v.score !== null && v.score !== undefined
        ? h("span", {
            class: "vscore",
            title: "0-100 from the verification, the patch size and the agent's confidence",
            text: `score ${v.score}`,
          })
        : null,
      suggested ? h("span", { class: "vsuggested", title: detail.run.suggested_winner?.reason ?? "", text: "★ Suggested" }) : null,
    ]);
    const key = JSON.stringify(v.verification ?? null);
    if (key !== card.checksKey) {
      card.checksKey = key;
      const details = verificationDetails(v);
      clear(card.checks);
      if (details) card.checks.appendChild(details);
    }
  }

  function renderSuggestion(detail: Detail) {
    const { run, els } = detail;
    const s = run.suggested_winner;
    clear(els.suggestion);
    els.suggestion.hidden = !s;
    if (s) {
      add(els.suggestion, [
        h("span", { class: "kind", text: "Suggested winner" }),
        h("strong", { text: `#${s.variation}` }),
        h("span", { class: "why", text: ` — ${s.reason}. You decide: pick it, or any other that succeeded.` }),
      ]);
      const going = run.variations.filter((v) => !FINISHED_VARIATION_STATUSES.has(v.status)).length;
      if (going) add(els.suggestion, h("span", { class: "muted", text: ` So far: ${plural(going, "variation")} still running.` }));
    }
    const ship = run.ship;
    clear(els.shipped);
    els.shipped.hidden = !ship;
    if (!ship) return;
    els.shipped.dataset.tone = ship.status === "pushed" ? "succeeded" : ship.status === "failed" ? "failed" : "running";
    if (ship.status === "pushed") {
      add(els.shipped, [
        "Variation ",
        h("strong", { text: `#${ship.variation}` }),
        " pushed to branch ",
        h("code", { class: "branch", text: ship.branch }),
        ship.commit ? ` (commit ${ship.commit.slice(0, 12)}${ship.base ? ` on ${ship.base}` : ""})` : "",
      ]);
    } else if (ship.status === "failed") {
      add(els.shipped, [
        `Pushing #${ship.variation} to `,
        h("code", { class: "branch", text: ship.branch }),
        ` failed: ${ship.reason ?? "unknown reason"}`,
      ]);
      if (run.branch) add(els.shipped, [" · the winner is on ", h("code", { class: "branch", text: run.branch })]);
    } else {
      add(els.shipped, [
        `Pushing #${ship.variation} to `,
        h("code", { class: "branch", text: ship.branch }),
        ` … (${statusLabel(ship.status)})`,
      ]);
    }
  }

  function renderState(detail: Detail) {
    const { run, els } = detail;
    setBadge(els.badge, run.status);
    els.cancel.hidden = FINISHED_RUN_STATUSES.has(run.status);
    detail.diff.update(run);
    renderSuggestion(detail);
    for (const v of run.variations) {
      const card = detail.cards.get(v.index);
      if (!card) continue;
      setBadge(card.badge, v.status);
      const settings = [v.model ?? "agent default", v.temperature === null ? "" : `T ${Math.round(v.temperature * 100) / 100}`]
        .filter(Boolean)
        .join(" · ");
      card.meta.textContent = settings + (v.started_at ? ` · ${duration(v.started_at, v.finished_at)}` : "");
      card.meta.title = `${v.job ? `job ${v.job}` : "not started yet"}${v.exit_code !== null ? ` · exit code ${v.exit_code}` : ""}`;
      const winner = run.winner === v.index;
      const suggested = run.suggested_winner?.variation === v.index;
      card.el.className = `variation${winner ? " winner" : ""}${suggested ? " suggested" : ""}`;
      card.crown.hidden = !winner;
      card.pick.hidden = v.status !== "succeeded" || winner;
      const hasPatch = v.status === "succeeded" && Boolean(v.diff?.trim());
      card.download.hidden = !hasPatch;
      card.push.hidden = !hasPatch || (winner && run.branch !== null && run.ship?.variation === v.index && run.ship.status === "pushed");
      renderVerdict(detail, card, v);
      const failedReason = v.reason && (v.status === "failed" || v.status === "cancelled");
      card.reason.hidden = !failedReason;
      card.reason.className = `vreason${v.status === "cancelled" ? " cancelled" : ""}`;
      card.reason.textContent = failedReason ? `${v.reason}${v.exit_code !== null ? ` (exit code ${v.exit_code})` : ""}` : "";
      card.log.dataset.empty = FINISHED_VARIATION_STATUSES.has(v.status) ? "No output." : "Waiting for output…";
      card.summary.hidden = !v.summary;
      card.summary.textContent = v.summary ?? "";
      const stats = detail.diff.statsOf(v.index);
      card.change.hidden = !stats;
      card.change.textContent = stats ? `Change: ${statsText(stats)}` : "";
      const total = Math.max(card.lines, v.lines);
      card.count.textContent = plural(total, "line");
    }
    const logged = els.events.childElementCount;
    els.eventCount.textContent = `(${logged})`;
  }

  // ---- live output ----------------------------------------------------------------------------
  function lineClass(line: OutputLine): string {
    let cls = `l-${/^[a-z]+$/.test(line.kind) ? line.kind : "log"}`;
    if (line.kind === "log") {
      if (line.line.startsWith("+++") || line.line.startsWith("---") || line.line.startsWith("@@")) cls += " d-hunk";
      else if (line.line.startsWith("+")) cls += " d-add";
      else if (line.line.startsWith("-")) cls += " d-del";
    }
    return cls;
  }
  // Lines arrive in bursts; the DOM is touched once per animation frame.
  function queueLine(detail: Detail, line: OutputLine) {
    detail.pending.push(line);
    if (!detail.frame) detail.frame = requestAnimationFrame(() => flushLines(detail));
  }
  function flushLines(detail: Detail) {
    detail.frame = 0;
    if (current !== detail) return;
    const byCard = new Map<Card, HTMLElement[]>();
    for (const line of detail.pending) {
      const card = detail.cards.get(line.variation);
      if (!card) continue;
      const nodes = byCard.get(card) ?? [];
      nodes.push(
        h("span", { class: lineClass(line), title: line.ts ? new Date(line.ts).toLocaleTimeString() : null, text: `${line.line}\n` }),
      );
      byCard.set(card, nodes);
      card.lines = Math.max(card.lines, line.seq + 1);
    }
    detail.pending = [];
    for (const [card, nodes] of byCard) {
      const log = card.log;
      stickToEnd(log, () => {
        const fragment = document.createDocumentFragment();
        for (const n of nodes) fragment.appendChild(n);
        log.appendChild(fragment);
        card.shown += nodes.length;
        // Long outputs keep only their tail on the page.
        while (card.shown > MAX_DOM_LINES) {
          let first = log.firstChild;
          if (first instanceof HTMLElement && first.classList.contains("earlier")) first = first.nextSibling;
          if (!first) break;
          log.removeChild(first);
          card.shown--;
          card.dropped++;
        }
        if (card.dropped) {
          let note = log.firstChild instanceof HTMLAnchorElement && log.firstChild.classList.contains("earlier") ? log.firstChild : null;
          if (!note) {
            note = h("a", { class: "earlier", target: "_blank", rel: "noopener" });
            log.insertBefore(note, log.firstChild);
          }
          note.href = `/v1/runs/${detail.run.id}/variations/${card.index}/log?limit=5000`;
          note.textContent = `… ${card.dropped} earlier lines (open the full log)`;
        }
      });
      card.count.textContent = plural(card.lines, "line");
    }
  }

  function logEvent(detail: Detail, line: LogLine) {
    appendEventLine(detail.els.events, line);
  }

  function follow(detail: Detail) {
    detail.follower = followEvents(`/v1/runs/${detail.run.id}/events`, {
      event: (event) => {
        if (current !== detail) return;
        let applied: RunApplied;
        try {
          applied = applyRunEvent(detail.run, event);
        } catch (err) {
          applied = {
            kind: "state",
            log: { at: null, type: event.type, info: `could not apply: ${(err as Error).message}`, known: false },
            refresh: false,
          };
        }
        if (applied.kind === "line") return queueLine(detail, applied.line);
        logEvent(detail, applied.log);
        if (applied.refresh) refreshSoon(detail);
        renderState(detail);
      },
      isTerminal: (type) => TERMINAL_RUN_EVENTS.has(type),
      end: (event) => {
        if (event.snapshot) void loadStoredLogs(detail);
        refreshSoon(detail);
      },
      state: (state) => {
        if (current === detail) detail.els.streamState.textContent = state;
      },
    });
  }

  // The live stream of an old run has expired: its lines come from the database instead.
  async function loadStoredLogs(detail: Detail) {
    detail.els.notice.textContent = "The live stream of this run has expired; the output below is read from the stored log.";
    detail.els.notice.hidden = false;
    await Promise.all(
      detail.run.variations.map(async (v) => {
        const res = await api.get<Page<VariationLogLine>>(`/v1/runs/${detail.run.id}/variations/${v.index}/log?limit=${MAX_DOM_LINES}`);
        if (!res.ok || current !== detail) return;
        for (const l of res.data.items) queueLine(detail, { variation: v.index, seq: l.seq, ts: l.ts, line: l.line, kind: l.kind });
      }),
    );
  }

  // Several variations finish together: one fetch of the stored run (summaries, diffs) for all of them.
  function refreshSoon(detail: Detail, delayMs = 150) {
    window.clearTimeout(detail.refreshTimer);
    detail.refreshTimer = window.setTimeout(async () => {
      const res = await api.get<DashboardRun>(`/v1/runs/${detail.run.id}`);
      if (!res.ok || current !== detail) return;
      detail.run = res.data;
      renderState(detail);
      upsert(res.data);
      // A push still going: look again until it has ended.
      if (res.data.ship && (res.data.ship.status === "queued" || res.data.ship.status === "pushing")) refreshSoon(detail, 2000);
    }, delayMs);
  }

  function notify(detail: Detail, text: string | null) {
    detail.els.notice.textContent = text ?? "";
    detail.els.notice.hidden = !text;
  }

  async function cancel(detail: Detail) {
    detail.els.cancel.disabled = true;
    const res = await api.post<DashboardRun>(`/v1/runs/${detail.run.id}/cancel`, { headers: { "idempotency-key": newKey() } });
    detail.els.cancel.disabled = false;
    if (current !== detail) return;
    if (!res.ok) return notify(detail, problemText(res));
    if (res.status === 202) notify(detail, "Cancel requested: the launcher is stopping the variations.");
    detail.run = res.data;
    renderState(detail);
    upsert(res.data);
  }

  /** Records the winner; with a branch, also pushes its patch there (the answer waits for the push). */
  async function pickWinner(detail: Detail, index: number, branch?: string) {
    const card = detail.cards.get(index);
    if (branch !== undefined && !branch) return notify(detail, "Name the new branch to push to.");
    if (card && branch) {
      card.pushButton.disabled = true;
      card.pushButton.textContent = "Pushing…";
      notify(detail, `Pushing variation ${index} to ${branch}…`);
    }
    const res = await api.post<Run>(`/v1/runs/${detail.run.id}/winner`, {
      body: branch ? { variation: index, push: { branch } } : { variation: index },
      headers: { "idempotency-key": newKey() },
    });
    if (card) {
      card.pushButton.disabled = false;
      card.pushButton.textContent = "Pick & push branch";
    }
    if (current !== detail) return;
    if (!res.ok) {
      notify(detail, problemText(res));
      // A refused push is recorded on the run (its latest push, failed): show it.
      refreshSoon(detail);
      return;
    }
    notify(detail, res.status === 202 ? `Still pushing to ${branch}: the run shows the branch once it is there.` : null);
    detail.run = res.data;
    renderState(detail);
    upsert(res.data);
    if (res.status === 202) refreshSoon(detail, 2000);
  }

  /** The patch as a file: fetched with the API key (a plain link could not send it), saved through a blob URL. */
  async function downloadPatch(detail: Detail, index: number) {
    const res = await api.download(`/v1/runs/${detail.run.id}/variations/${index}/patch`);
    if (!res.ok) return notify(detail, problemText(res));
    const url = URL.createObjectURL(res.data);
    const a = h("a", { href: url, download: `run-${detail.run.id}-variation-${index}.patch`, hidden: true });
    document.body.appendChild(a);
    a.click();
    a.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  return { start: loadRuns, refresh: loadRuns, select: (id) => void select(id) };
}
