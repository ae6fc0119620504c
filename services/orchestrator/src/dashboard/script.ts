// The dashboard's client: plain DOM, no framework, no third-party code. Everything from the API is
// rendered with textContent. Written without template literals: it lives inside one.
import { clientCommon } from "./client-common.ts";

export const script = `
(function () {
  "use strict";
${clientCommon}
  var STEPS = ["ingest", "hook", "body", "guardrail", "format"];
  var STEP_TITLES = { ingest: "Ingest", hook: "Hook", body: "Body", guardrail: "Guardrail", format: "Format" };
  var STEP_DOING = { ingest: "Reading the input", hook: "Writing the hook", body: "Writing the body", guardrail: "Checking the guardrail", format: "Formatting the post" };
  var TERMINAL = { "task.succeeded": "succeeded", "task.failed": "failed", "task.blocked": "blocked", "task.cancelled": "cancelled" };
  var MAX_INPUT = 2000;

  var personas = {};
  var listFilter = "";
  var tasks = [];
  var view = null; // the selected task: { task, steps, live, events, lastEventId, source, els }

  function clock(iso) {
    var d = new Date(iso);
    function pad(n, w) { n = String(n); while (n.length < (w || 2)) n = "0" + n; return n; }
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + "." + pad(d.getMilliseconds(), 3);
  }
  var api = apiClient(function (problem) { askForKey(problem && problem.detail); });

  // ---- API key dialog ----------------------------------------------------------------------
  var keyDialog = $("key-dialog");
  function askForKey(reason) {
    $("key-button").hidden = false;
    if (keyDialog.open) return;
    $("key-reason").textContent = (apiKey() && reason ? "The saved API key was not accepted. " : "This deployment requires an API key. ") +
      "It is kept in this browser's local storage only.";
    $("key-input").value = "";
    keyDialog.showModal();
  }
  $("key-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var value = $("key-input").value.trim();
    if (!value) return;
    try { localStorage.setItem(KEY_STORAGE, value); } catch (err) { /* private mode: keep it for this page only */ }
    keyDialog.close();
    start();
  });
  $("key-cancel").addEventListener("click", function () { keyDialog.close(); });
  $("key-forget").addEventListener("click", function () {
    try { localStorage.removeItem(KEY_STORAGE); } catch (err) { /* nothing stored */ }
    keyDialog.close();
  });
  $("key-button").addEventListener("click", function () { askForKey(""); });

  // ---- health ------------------------------------------------------------------------------
  function checkHealth() {
    fetch("/ready").then(function (res) { return res.json().then(function (body) { return { status: res.status, body: body }; }); }).then(function (r) {
      var pill = $("health");
      if (r.status === 200) { pill.className = "pill ok"; pill.textContent = "Ready"; pill.title = "Redis and the database answer"; return; }
      var down = Object.keys(r.body.checks || {}).filter(function (k) { return r.body.checks[k] !== "ok"; });
      pill.className = "pill bad";
      pill.textContent = down.length ? down.join(" and ") + " unreachable" : "Not ready";
      pill.title = JSON.stringify(r.body.checks || r.body);
    }, function () { var pill = $("health"); pill.className = "pill bad"; pill.textContent = "API unreachable"; });
  }

  // ---- personas and the form ---------------------------------------------------------------
  function loadPersonas() {
    return api("GET", "/v1/personas?limit=200").then(function (res) {
      var select = $("persona");
      if (!res.ok) { clear(select).appendChild(h("option", { value: "", text: "Could not load personas" })); return; }
      personas = {};
      clear(select);
      res.data.items.forEach(function (p) {
        personas[p.id] = p;
        select.appendChild(h("option", { value: p.id, text: p.emoji + "  " + p.name }));
      });
      if (!res.data.items.length) select.appendChild(h("option", { value: "", text: "No personas yet" }));
      describePersona();
    });
  }
  function describePersona() {
    var p = personas[$("persona").value];
    $("persona-description").textContent = p ? p.description : "";
  }
  $("persona").addEventListener("change", describePersona);
  $("input").addEventListener("input", function () {
    var n = $("input").value.length;
    $("input-count").textContent = n + " / " + MAX_INPUT;
    submissionKey = null; // a changed request is a new request
  });

  // One Idempotency-Key per intended submission: a double click or a retry after a network
  // error cannot create the task twice.
  var submissionKey = null;
  function showFieldErrors(errors) {
    Array.prototype.forEach.call(document.querySelectorAll(".field-error"), function (el) { el.hidden = true; el.textContent = ""; });
    var unplaced = [];
    (errors || []).forEach(function (e) {
      var el = document.querySelector('.field-error[data-field="' + e.field + '"]');
      if (el) { el.textContent = e.message; el.hidden = false; } else unplaced.push(e.field + ": " + e.message);
    });
    return unplaced;
  }
  $("compose").addEventListener("submit", function (e) {
    e.preventDefault();
    var alertBox = $("form-error");
    alertBox.hidden = true;
    var body = {
      persona_id: $("persona").value,
      input: $("input").value,
      task_type: document.querySelector('input[name="task_type"]:checked').value,
    };
    if (!body.input.trim()) { showFieldErrors([{ field: "input", message: "Write something for the persona to work with" }]); return; }
    submissionKey = submissionKey || newKey();
    var button = $("submit");
    button.disabled = true;
    button.textContent = "Submitting…";
    api("POST", "/v1/tasks", body, { "idempotency-key": submissionKey }).then(function (res) {
      button.disabled = false;
      button.textContent = "Generate post";
      if (res.ok) {
        submissionKey = null;
        showFieldErrors([]);
        $("input").value = "";
        $("input-count").textContent = "0 / " + MAX_INPUT;
        upsertTask(res.data);
        select(res.data.id);
        return;
      }
      var errors = (res.data && res.data.errors) || [];
      var unplaced = showFieldErrors(errors);
      // Errors shown under their fields need no banner; anything else (outage, conflict) does.
      if (res.status !== 401 && (errors.length === 0 || unplaced.length > 0)) {
        alertBox.textContent = problemText(res);
        alertBox.hidden = false;
      }
      // Field errors mean the request itself must change; keep the key only for transient failures.
      if (res.status >= 400 && res.status < 500) submissionKey = null;
    });
  });

  // ---- task list ---------------------------------------------------------------------------
  function loadTasks() {
    var url = "/v1/tasks?limit=40" + (listFilter ? "&status=" + listFilter : "");
    return api("GET", url).then(function (res) {
      $("list-state").textContent = res.ok ? "" : "(could not refresh)";
      if (!res.ok) return;
      tasks = res.data.items;
      renderList();
    });
  }
  function upsertTask(task) {
    var found = false;
    tasks = tasks.map(function (t) { if (t.id === task.id) { found = true; return task; } return t; });
    if (!found && (!listFilter || listFilter === task.status)) tasks.unshift(task);
    renderList();
  }
  function renderList() {
    var list = clear($("task-list"));
    if (!tasks.length) { list.appendChild(h("li", { class: "empty", text: listFilter ? "No " + listFilter + " tasks." : "No tasks yet — submit one above." })); return; }
    tasks.forEach(function (t) {
      var p = personas[t.persona_id];
      list.appendChild(h("li", null, h("button", {
        type: "button",
        "aria-current": view && view.task.id === t.id ? "true" : "false",
        onclick: function () { select(t.id); },
      },
        h("span", { class: "emoji", "aria-hidden": "true", text: p ? p.emoji : "•" }),
        h("span", { class: "title", text: t.input }),
        h("span", { class: "badge s-" + t.status, text: t.status }),
        h("span", { class: "sub", text: (p ? p.name : t.persona_id) + " · " + t.task_type + " · " + ago(t.created_at) }))));
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("#filters .chip"), function (chip) {
    chip.addEventListener("click", function () {
      listFilter = chip.getAttribute("data-status");
      Array.prototype.forEach.call(document.querySelectorAll("#filters .chip"), function (c) { c.setAttribute("aria-pressed", String(c === chip)); });
      loadTasks();
    });
  });

  // ---- task detail and its live event stream -----------------------------------------------
  function select(id) {
    if (location.hash !== "#task=" + id) history.replaceState(null, "", "#task=" + id);
    if (view && view.task.id === id) return;
    closeStream();
    api("GET", "/v1/tasks/" + id).then(function (res) {
      if (!res.ok) {
        clear($("detail")).appendChild(h("div", { class: "welcome" }, h("h2", { text: "Task not available" }), h("p", { text: problemText(res) })));
        return;
      }
      view = { task: res.data, steps: {}, live: null, events: [], lastEventId: null, source: null, els: {}, ended: false };
      STEPS.forEach(function (s) { view.steps[s] = { state: "pending" }; });
      renderDetail();
      renderList();
      openStream();
    });
  }

  function renderDetail() {
    var t = view.task;
    var p = personas[t.persona_id] || { emoji: "•", name: t.persona_id };
    var els = view.els;
    els.badge = h("span", { class: "badge s-" + t.status, text: t.status });
    els.streamState = h("span", { class: "stream-state" });
    els.cancel = h("button", { class: "button danger", type: "button", text: "Cancel", onclick: cancelTask });
    els.retry = h("button", { class: "button", type: "button", text: "Retry", onclick: retryTask });
    els.notice = h("div", { class: "alert info notice", hidden: true });
    els.stepper = h("ol", { class: "stepper", "aria-label": "Pipeline steps" });
    els.liveLabel = h("div", { class: "live-label" });
    els.liveText = h("p", { class: "live-text" });
    els.live = h("div", { class: "live", hidden: true }, els.liveLabel, els.liveText);
    els.result = h("div");
    els.usage = h("div", { class: "usage" });
    els.events = h("ol", { class: "events" });
    els.eventCount = h("span");
    STEPS.forEach(function (s) {
      els["step-" + s] = h("li", { class: "step" },
        h("div", { class: "label" }, h("span", { class: "dot", "aria-hidden": "true" }), STEP_TITLES[s]),
        h("div", { class: "stat" }));
      els.stepper.appendChild(els["step-" + s]);
    });
    var detail = clear($("detail"));
    add(detail, [
      h("div", { class: "detail-head" },
        h("div", { class: "who" },
          h("span", { class: "avatar", "aria-hidden": "true", text: p.emoji }),
          h("div", null,
            h("div", { class: "name", text: p.name }),
            h("div", { class: "meta" }, t.task_type + " · created " + ago(t.created_at) + " · ", h("code", { text: t.id })))),
        h("div", { class: "actions" }, els.badge, els.streamState, els.cancel, els.retry)),
      h("div", { class: "input-quote" }, h("span", { class: "kind", text: t.task_type === "pain" ? "Pain statement" : "Trend" }), t.input),
      els.notice,
      els.stepper,
      els.live,
      els.result,
      els.usage,
      h("details", { class: "log", open: true }, h("summary", null, "Events ", els.eventCount), els.events),
    ]);
    renderState();
  }

  function renderState() {
    var t = view.task;
    var els = view.els;
    els.badge.className = "badge s-" + t.status;
    els.badge.textContent = t.status;
    els.cancel.hidden = !(t.status === "queued" || t.status === "running");
    els.retry.hidden = !(t.status === "failed" || t.status === "cancelled");
    STEPS.forEach(function (s) {
      var st = view.steps[s];
      var li = els["step-" + s];
      li.className = "step " + (st.state === "pending" ? "" : st.state);
      li.lastChild.textContent = st.state === "done" ? st.ms + " ms" + (st.tokens ? " · " + st.tokens + " tok" : "") : st.state === "active" ? "running…" : st.state === "blocked" ? "blocked" : "";
    });
    if (view.live && t.status === "running") {
      els.live.hidden = false;
      els.liveLabel.textContent = STEP_DOING[view.live.step] + "…";
      els.liveText.textContent = view.live.text;
    } else els.live.hidden = true;
    clear(els.result);
    if (t.post) els.result.appendChild(renderPost(t.post));
    else if (t.status === "failed" && t.error) els.result.appendChild(h("div", { class: "outcome failed" }, h("strong", { text: "Failed: " + t.error.code }), t.error.message));
    else if (t.status === "blocked") els.result.appendChild(h("div", { class: "outcome blocked" }, h("strong", { text: "Blocked by the guardrail" }), t.error ? t.error.message : ""));
    else if (t.status === "cancelled") els.result.appendChild(h("div", { class: "outcome cancelled" }, h("strong", { text: "Cancelled" }), "Retry to run it again."));
    clear(els.usage);
    if (t.usage && (t.usage.tokens_in || t.usage.tokens_out)) {
      add(els.usage, [
        h("span", null, "Tokens in ", h("b", { text: t.usage.tokens_in })),
        h("span", null, "Tokens out ", h("b", { text: t.usage.tokens_out })),
        h("span", null, "Cost ", h("b", { text: "$" + Number(t.usage.cost_usd).toFixed(4) })),
        h("span", null, "Attempts ", h("b", { text: t.attempts })),
      ]);
    }
    var deltas = view.events.filter(function (e) { return e.type === "step.delta"; }).length;
    els.eventCount.textContent = "(" + (view.events.length - deltas) + (deltas ? ", plus " + deltas + " streamed token chunks" : "") + ")";
  }

  function renderPost(post) {
    var p = personas[post.persona_id] || { emoji: "•", name: post.persona_id };
    return h("article", { class: "post", "aria-label": "Published post" },
      h("header", null,
        h("span", { class: "avatar", "aria-hidden": "true", text: p.emoji }),
        h("div", null, h("strong", { text: p.name }), h("span", { class: "handle", text: "@" + post.persona_id })),
        h("span", { class: "published", text: post.published_id ? "Published · " + post.published_id : "Not published yet" })),
      h("p", { class: "post-text", text: post.text }),
      h("footer", { text: post.text.length + " / 500 characters" }));
  }

  function openStream() {
    var current = view;
    followEvents(current, "/v1/tasks/" + current.task.id + "/events", {
      isCurrent: function () { return view === current; },
      terminal: TERMINAL,
      event: apply,
      end: refreshTask,
      // A rejected stream (bad key, deleted task) closes for good: say why.
      closed: function () { api("GET", "/v1/tasks/" + current.task.id); },
    });
  }
  function closeStream() {
    if (view && view.source) view.source.close();
  }
  function refreshTask() {
    var current = view;
    api("GET", "/v1/tasks/" + current.task.id).then(function (res) {
      if (!res.ok || view !== current) return;
      current.task = res.data;
      renderState();
      upsertTask(res.data);
    });
  }

  function apply(event) {
    var t = view.task;
    var steps = view.steps;
    logEvent(event);
    switch (event.type) {
      case "task.queued":
        // A retried task starts over.
        t.status = "queued"; t.error = null; t.post = null; view.live = null;
        STEPS.forEach(function (s) { steps[s] = { state: "pending" }; });
        break;
      case "task.started":
        t.status = "running"; t.attempts = event.attempt;
        STEPS.forEach(function (s) { steps[s] = { state: "pending" }; });
        break;
      case "step.started":
        t.status = "running";
        steps[event.step] = { state: "active" };
        view.live = { step: event.step, text: "" };
        break;
      case "step.delta":
        if (!view.live || view.live.step !== event.step) view.live = { step: event.step, text: "" };
        view.live.text += event.text;
        break;
      case "step.completed":
        steps[event.step] = { state: "done", ms: Math.round(event.ms), tokens: event.tokens };
        break;
      case "task.retrying":
        showNotice("Attempt " + event.attempt + " failed (" + event.error + "); retrying in " + Math.round((event.delay_ms || 0) / 100) / 10 + " s.");
        STEPS.forEach(function (s) { if (steps[s].state === "active") steps[s] = { state: "pending" }; });
        break;
      case "task.succeeded":
        t.status = "succeeded"; t.post = event.post; view.live = null;
        break;
      case "task.failed":
        t.status = "failed"; t.error = event.error; view.live = null;
        break;
      case "task.blocked":
        t.status = "blocked"; t.error = { code: "guardrail_blocked", message: event.reason }; view.live = null;
        steps.guardrail = { state: "blocked" };
        break;
      case "task.cancelled":
        t.status = "cancelled"; view.live = null;
        break;
    }
    if (event.type !== "task.retrying" && event.type !== "step.delta") hideNotice();
    if (event.snapshot) showNotice("The step-by-step history of this task has expired; this is its final state.");
    // Keep the list's badge in step with the stream, not just with the next poll.
    if (event.type !== "step.delta" && event.type !== "step.completed" && event.type !== "step.started") upsertTask(t);
    renderState();
  }

  function logEvent(event) {
    var els = view.els;
    // Token deltas would flood the log; the live box shows them.
    if (event.type === "step.delta") {
      view.events.push(event);
      return;
    }
    view.events.push(event);
    var info = "";
    if (event.step) info += event.step;
    if (event.ms !== undefined) info += " · " + Math.round(event.ms) + " ms";
    if (event.tokens !== undefined) info += " · " + event.tokens + " tokens";
    if (event.attempt !== undefined) info += "attempt " + event.attempt;
    if (event.error) info += " " + (typeof event.error === "string" ? event.error : event.error.code + ": " + event.error.message);
    if (event.reason) info += event.reason;
    if (event.post) info += event.post.text.split("\\n")[0];
    var stick = els.events.scrollTop + els.events.clientHeight >= els.events.scrollHeight - 4;
    els.events.appendChild(h("li", null,
      h("span", { class: "time", text: event.at ? clock(event.at) : "" }),
      h("span", { class: "type", text: event.type }),
      h("span", { class: "info", text: info.trim(), title: info.trim() })));
    if (stick) els.events.scrollTop = els.events.scrollHeight;
  }
  function showNotice(text) { view.els.notice.textContent = text; view.els.notice.hidden = false; }
  function hideNotice() { if (!view.els.notice.textContent.match(/expired/)) view.els.notice.hidden = true; }

  function cancelTask() {
    var current = view;
    current.els.cancel.disabled = true;
    api("POST", "/v1/tasks/" + current.task.id + "/cancel", undefined, { "idempotency-key": newKey() }).then(function (res) {
      current.els.cancel.disabled = false;
      if (view !== current) return;
      if (res.status === 202) showNotice("Cancel requested: the worker running this task will stop it after the current step.");
      else if (!res.ok) showNotice(problemText(res));
      if (res.ok) { current.task.status = res.data.status; renderState(); upsertTask(res.data); }
    });
  }
  function retryTask() {
    var current = view;
    current.els.retry.disabled = true;
    api("POST", "/v1/tasks/" + current.task.id + "/retry", undefined, { "idempotency-key": newKey() }).then(function (res) {
      current.els.retry.disabled = false;
      if (view !== current) return;
      if (!res.ok) { showNotice(problemText(res)); return; }
      current.task = res.data;
      upsertTask(res.data);
      renderState();
      openStream();
    });
  }

  // ---- start -------------------------------------------------------------------------------
  var timers = [];
  function start() {
    timers.forEach(clearInterval);
    $("key-button").hidden = !apiKey();
    checkHealth();
    loadPersonas().then(function () {
      loadTasks();
      var match = /^#task=([0-9a-f-]{36})$/.exec(location.hash);
      if (match) select(match[1]);
    });
    timers = [
      setInterval(checkHealth, 15000),
      setInterval(function () { if (!document.hidden) loadTasks(); }, 5000),
    ];
  }
  window.addEventListener("hashchange", function () {
    var match = /^#task=([0-9a-f-]{36})$/.exec(location.hash);
    if (match) select(match[1]);
  });
  start();
})();
`;
