// The Runs panel's client, next to script.ts (same conventions: plain DOM, textContent only, no
// template literals inside since it lives in one). It shares the API key the page stores.
import { clientCommon } from "./client-common.ts";

export const runsScript = `
(function () {
  "use strict";
${clientCommon}
  var TERMINAL = { "run.completed": true, "run.cancelled": true };
  var FINISHED = { succeeded: true, partially_failed: true, failed: true, cancelled: true };
  var MAX_DOM_LINES = 3000;

  var runs = [];
  var view = null; // { run, source, lastEventId, ended, cards: {index: card}, pending: [], frame }

  function duration(a, b) {
    if (!a) return "";
    var s = Math.round(((b ? new Date(b) : new Date()).getTime() - new Date(a).getTime()) / 100) / 10;
    return s < 60 ? s + " s" : Math.floor(s / 60) + " min " + Math.round(s % 60) + " s";
  }
  function repoName(url) {
    var parts = String(url).replace(/[.]git$/, "").split(/[/:]/).filter(Boolean);
    return parts.slice(-2).join("/") || url;
  }

  // The page's key dialog asks for a key on 401.
  var api = apiClient(function () { if ($("key-button")) $("key-button").click(); });

  // ---- the form ----------------------------------------------------------------------------
  var submissionKey = null;
  ["run-repo", "run-prompt", "run-variations", "run-model"].forEach(function (id) {
    $(id).addEventListener("input", function () { submissionKey = null; });
  });
  function showFieldErrors(errors) {
    Array.prototype.forEach.call(document.querySelectorAll(".run-field-error"), function (el) { el.hidden = true; el.textContent = ""; });
    var unplaced = [];
    (errors || []).forEach(function (e) {
      var field = String(e.field).split(".")[0];
      var el = document.querySelector('.run-field-error[data-run-field="' + field + '"]');
      if (el) { el.textContent = (field === e.field ? "" : e.field + ": ") + e.message; el.hidden = false; } else unplaced.push(e.field + ": " + e.message);
    });
    return unplaced;
  }
  $("run-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var alertBox = $("run-form-error");
    alertBox.hidden = true;
    var body = { repo_url: $("run-repo").value.trim(), prompt: $("run-prompt").value, variations: Number($("run-variations").value) };
    var model = $("run-model").value.trim();
    if (model) body.model = model;
    var local = [];
    if (!body.repo_url) local.push({ field: "repo_url", message: "Paste the URL of a git repository" });
    if (!body.prompt.trim()) local.push({ field: "prompt", message: "Say what the agent should do" });
    if (local.length) { showFieldErrors(local); return; }
    submissionKey = submissionKey || newKey();
    var button = $("run-submit");
    button.disabled = true;
    button.textContent = "Starting…";
    api("POST", "/v1/runs", body, { "idempotency-key": submissionKey }).then(function (res) {
      button.disabled = false;
      button.textContent = "Start run";
      if (res.ok) {
        submissionKey = null;
        showFieldErrors([]);
        upsertRun(res.data);
        select(res.data.id);
        return;
      }
      var errors = (res.data && res.data.errors) || [];
      var unplaced = showFieldErrors(errors);
      if (res.status !== 401 && (errors.length === 0 || unplaced.length > 0)) {
        alertBox.textContent = problemText(res) + (unplaced.length ? " (" + unplaced.join("; ") + ")" : "");
        alertBox.hidden = false;
      }
      if (res.status >= 400 && res.status < 500) submissionKey = null;
    });
  });

  // ---- run list ----------------------------------------------------------------------------
  function loadRuns() {
    return api("GET", "/v1/runs?limit=20").then(function (res) {
      $("run-list-state").textContent = res.ok ? "" : "(could not refresh)";
      if (!res.ok) return;
      runs = res.data.items;
      renderList();
    });
  }
  function upsertRun(run) {
    var found = false;
    runs = runs.map(function (r) { if (r.id === run.id) { found = true; return run; } return r; });
    if (!found) runs.unshift(run);
    renderList();
  }
  function renderList() {
    var list = clear($("run-list"));
    if (!runs.length) { list.appendChild(h("li", { class: "empty", text: "No runs yet — start one above." })); return; }
    runs.forEach(function (r) {
      list.appendChild(h("li", null, h("button", {
        type: "button",
        "aria-current": view && view.run.id === r.id ? "true" : "false",
        onclick: function () { select(r.id); },
      },
        h("span", { class: "emoji", "aria-hidden": "true", text: r.winner !== null && r.winner !== undefined ? "🏆" : "🤖" }),
        h("span", { class: "title", text: r.prompt }),
        h("span", { class: "badge s-" + badgeClass(r.status), text: r.status.replace("_", " ") }),
        h("span", { class: "sub", text: repoName(r.repo_url) + " · " + r.variations.length + " variation" + (r.variations.length === 1 ? "" : "s") + " · " + ago(r.created_at) }))));
    });
  }
  function badgeClass(status) {
    if (status === "partially_failed") return "blocked";
    if (status === "scheduled") return "queued";
    return status;
  }

  // ---- run detail --------------------------------------------------------------------------
  function select(id) {
    if (location.hash !== "#run=" + id) history.replaceState(null, "", "#run=" + id);
    if (view && view.run.id === id) return;
    closeStream();
    api("GET", "/v1/runs/" + id).then(function (res) {
      if (!res.ok) {
        clear($("run-detail")).appendChild(h("div", { class: "welcome" }, h("h2", { text: "Run not available" }), h("p", { text: problemText(res) })));
        return;
      }
      view = { run: res.data, source: null, lastEventId: null, ended: false, cards: {}, pending: [], frame: 0, els: {} };
      renderDetail();
      renderList();
      openStream();
      $("runs").scrollIntoView({ behavior: "smooth", block: "start" });
    });
  }

  function renderDetail() {
    var r = view.run;
    var els = view.els;
    els.badge = h("span", { class: "badge" });
    els.streamState = h("span", { class: "stream-state" });
    els.cancel = h("button", { class: "button danger", type: "button", text: "Cancel run", onclick: cancelRun });
    els.notice = h("div", { class: "alert info notice", hidden: true });
    els.grid = h("div", { class: "variations" });
    r.variations.forEach(function (v) { view.cards[v.index] = makeCard(v); els.grid.appendChild(view.cards[v.index].el); });
    add(clear($("run-detail")), [
      h("div", { class: "detail-head" },
        h("div", { class: "who" },
          h("span", { class: "avatar", "aria-hidden": "true", text: "🤖" }),
          h("div", null,
            h("div", { class: "name run-repo", text: r.repo_url }),
            h("div", { class: "meta" }, r.variations.length + " variations · created " + ago(r.created_at) + " · ", h("code", { text: r.id })))),
        h("div", { class: "actions" }, els.badge, els.streamState, els.cancel)),
      h("div", { class: "input-quote" }, h("span", { class: "kind", text: "Prompt" }), r.prompt),
      els.notice,
      els.grid,
    ]);
    renderState();
  }

  function makeCard(v) {
    var card = { index: v.index, lines: 0, shown: 0, dropped: 0 };
    card.badge = h("span", { class: "badge" });
    card.meta = h("span", { class: "vmeta" });
    card.crown = h("span", { class: "vcrown", text: "🏆 Winner", hidden: true });
    card.reason = h("div", { class: "vreason", hidden: true });
    card.log = h("pre", { class: "vlog", role: "log", "aria-label": "Output of variation " + v.index });
    card.count = h("span", { class: "vcount" });
    card.pick = h("button", { class: "button", type: "button", text: "Pick as winner", hidden: true, onclick: function () { pickWinner(v.index); } });
    card.summary = h("div", { class: "vsummary", hidden: true });
    card.diffText = h("pre");
    card.diff = h("details", { class: "vdiff", hidden: true }, h("summary", { text: "Proposed change (unified diff)" }), card.diffText);
    card.el = h("article", { class: "variation", "aria-label": "Variation " + v.index },
      h("header", null, h("span", { class: "vname", text: "#" + v.index }), card.meta, card.crown, card.badge),
      card.reason, card.log, card.summary, card.diff,
      h("footer", null, card.count, card.pick));
    return card;
  }

  function renderState() {
    var r = view.run;
    var els = view.els;
    els.badge.className = "badge s-" + badgeClass(r.status);
    els.badge.textContent = r.status.replace("_", " ");
    els.cancel.hidden = !!FINISHED[r.status];
    r.variations.forEach(function (v) {
      var card = view.cards[v.index];
      if (!card) return;
      card.badge.className = "badge s-" + badgeClass(v.status);
      card.badge.textContent = v.status;
      var settings = [v.model || "agent default", v.temperature === null || v.temperature === undefined ? "" : "T " + v.temperature].filter(Boolean).join(" · ");
      var timing = v.started_at ? " · " + duration(v.started_at, v.finished_at) : "";
      card.meta.textContent = settings + timing;
      card.meta.title = (v.job ? "job " + v.job : "not started yet") + (v.exit_code !== null && v.exit_code !== undefined ? " · exit code " + v.exit_code : "");
      var winner = r.winner === v.index;
      card.el.className = "variation" + (winner ? " winner" : "");
      card.crown.hidden = !winner;
      card.pick.hidden = v.status !== "succeeded" || winner;
      if (v.reason && (v.status === "failed" || v.status === "cancelled")) {
        card.reason.hidden = false;
        card.reason.className = "vreason" + (v.status === "cancelled" ? " cancelled" : "");
        card.reason.textContent = v.reason + (v.exit_code !== null && v.exit_code !== undefined ? " (exit code " + v.exit_code + ")" : "");
      } else card.reason.hidden = true;
      card.summary.hidden = !v.summary;
      card.summary.textContent = v.summary || "";
      card.diff.hidden = !v.diff;
      card.diffText.textContent = v.diff || "";
      var total = Math.max(card.lines, v.lines || 0);
      card.count.textContent = total + " line" + (total === 1 ? "" : "s");
    });
  }

  // ---- live output -------------------------------------------------------------------------
  function lineClass(event) {
    var cls = "l-" + (event.kind || "log");
    var text = event.line || "";
    if (event.kind === "log") {
      if (text.indexOf("+++") === 0 || text.indexOf("---") === 0) cls += " d-hunk";
      else if (text.charAt(0) === "+") cls += " d-add";
      else if (text.charAt(0) === "-") cls += " d-del";
      else if (text.indexOf("@@") === 0) cls += " d-hunk";
    }
    return cls;
  }
  // Lines arrive in bursts; the DOM is touched once per animation frame.
  function queueLine(event) {
    view.pending.push(event);
    if (!view.frame) view.frame = requestAnimationFrame(flushLines);
  }
  function flushLines() {
    var current = view;
    if (!current) return;
    current.frame = 0;
    var byCard = {};
    current.pending.forEach(function (event) {
      var card = current.cards[event.variation];
      if (!card) return;
      (byCard[event.variation] = byCard[event.variation] || { card: card, nodes: [] }).nodes.push(
        h("span", { class: lineClass(event), title: event.ts ? new Date(event.ts).toLocaleTimeString() : null, text: event.line + "\\n" }));
      card.lines = Math.max(card.lines, event.seq + 1);
    });
    current.pending = [];
    Object.keys(byCard).forEach(function (k) {
      var card = byCard[k].card;
      var log = card.log;
      var stick = log.scrollTop + log.clientHeight >= log.scrollHeight - 8;
      var fragment = document.createDocumentFragment();
      byCard[k].nodes.forEach(function (n) { fragment.appendChild(n); });
      log.appendChild(fragment);
      card.shown += byCard[k].nodes.length;
      // Long outputs keep only their tail on the page; the full log is one click away.
      while (card.shown > MAX_DOM_LINES) {
        var first = log.firstChild;
        if (first && first.className === "earlier") first = first.nextSibling;
        if (!first) break;
        log.removeChild(first);
        card.shown--;
        card.dropped++;
      }
      if (card.dropped) {
        var note = log.firstChild && log.firstChild.className === "earlier" ? log.firstChild : null;
        if (!note) { note = h("a", { class: "earlier", target: "_blank", rel: "noopener" }); log.insertBefore(note, log.firstChild); }
        note.href = "/v1/runs/" + current.run.id + "/variations/" + card.index + "/log?limit=5000";
        note.textContent = "… " + card.dropped + " earlier lines (open the full log)";
      }
      if (stick) log.scrollTop = log.scrollHeight;
      card.count.textContent = card.lines + " line" + (card.lines === 1 ? "" : "s");
    });
  }

  function openStream() {
    var current = view;
    followEvents(current, "/v1/runs/" + current.run.id + "/events", {
      isCurrent: function () { return view === current; },
      terminal: TERMINAL,
      event: function (event) { apply(current, event); },
      end: function (event) {
        if (event.snapshot) loadStoredLogs(current);
        refreshRun(current);
      },
    });
  }
  function closeStream() {
    if (view && view.source) view.source.close();
    if (view && view.frame) cancelAnimationFrame(view.frame);
  }
  // The stream of an old run has expired: its lines come from the database instead.
  function loadStoredLogs(current) {
    current.els.notice.textContent = "The live stream of this run has expired; the output below is read from the stored log.";
    current.els.notice.hidden = false;
    current.run.variations.forEach(function (v) {
      api("GET", "/v1/runs/" + current.run.id + "/variations/" + v.index + "/log?limit=" + MAX_DOM_LINES).then(function (res) {
        if (!res.ok || view !== current) return;
        res.data.items.forEach(function (l) { queueLine({ variation: v.index, seq: l.seq, ts: l.ts, line: l.line, kind: l.kind }); });
      });
    });
  }

  var refreshTimer = 0;
  function refreshRun(current) {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () {
      api("GET", "/v1/runs/" + current.run.id).then(function (res) {
        if (!res.ok || view !== current) return;
        current.run = res.data;
        renderState();
        upsertRun(res.data);
      });
    }, 150);
  }

  function variationOf(current, index) {
    var found = null;
    current.run.variations.forEach(function (v) { if (v.index === index) found = v; });
    return found;
  }
  function apply(current, event) {
    var r = current.run;
    var v = typeof event.variation === "number" ? variationOf(current, event.variation) : null;
    switch (event.type) {
      case "variation.log":
        queueLine(event);
        return;
      case "variation.scheduled":
        if (v) { v.status = "scheduled"; v.job = event.job; }
        if (r.status === "queued") r.status = "running";
        break;
      case "variation.started":
        if (v) { v.status = "running"; v.started_at = event.at; }
        r.status = "running";
        break;
      case "variation.succeeded":
        if (v) { v.status = "succeeded"; v.exit_code = event.exit_code; v.finished_at = event.at; }
        refreshRun(current); // fetches the summary and the diff
        break;
      case "variation.failed":
        if (v) { v.status = "failed"; v.reason = event.reason; v.exit_code = event.exit_code; v.finished_at = event.at; }
        break;
      case "run.completed":
        r.status = event.status;
        break;
      case "run.cancelled":
        r.status = "cancelled";
        r.variations.forEach(function (x) { if (!FINISHED[x.status]) { x.status = "cancelled"; x.reason = "cancelled by the user"; } });
        break;
    }
    renderState();
  }

  function cancelRun() {
    var current = view;
    current.els.cancel.disabled = true;
    api("POST", "/v1/runs/" + current.run.id + "/cancel", undefined, { "idempotency-key": newKey() }).then(function (res) {
      current.els.cancel.disabled = false;
      if (view !== current) return;
      if (!res.ok) { current.els.notice.textContent = problemText(res); current.els.notice.hidden = false; return; }
      if (res.status === 202) { current.els.notice.textContent = "Cancel requested: the launcher is stopping the variations."; current.els.notice.hidden = false; }
      current.run = res.data;
      renderState();
      upsertRun(res.data);
    });
  }
  function pickWinner(index) {
    var current = view;
    api("POST", "/v1/runs/" + current.run.id + "/winner", { variation: index }, { "idempotency-key": newKey() }).then(function (res) {
      if (view !== current) return;
      if (!res.ok) { current.els.notice.textContent = problemText(res); current.els.notice.hidden = false; return; }
      current.els.notice.hidden = true;
      current.run = res.data;
      renderState();
      upsertRun(res.data);
    });
  }

  // ---- start -------------------------------------------------------------------------------
  var nav = document.querySelector(".topbar nav");
  if (nav) nav.insertBefore(h("a", { href: "#runs", text: "Agent runs" }), nav.firstChild);
  function fromHash() {
    var match = /^#run=([0-9a-f-]{36})$/.exec(location.hash);
    if (match) select(match[1]);
  }
  window.addEventListener("hashchange", fromHash);
  loadRuns().then(fromHash);
  setInterval(function () { if (!document.hidden) loadRuns(); }, 5000);
})();
`;
