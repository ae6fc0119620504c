// What the panels' clients (script.ts, runs-script.ts) share: DOM building, times, API access with
// the key the page stores, and following an entity's event stream. Spliced into each panel's
// function scope, so every <script> stays self-contained (the CSP allows each by its own hash) and
// nothing lands on window. Same conventions: plain DOM, textContent only, no template literals.
export const clientCommon = `
  var KEY_STORAGE = "threads-agent.api-key";

  function $(id) { return document.getElementById(id); }
  function h(tag, attrs) {
    var el = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === "class") el.className = v;
        else if (k === "text") el.textContent = v;
        else if (k.indexOf("on") === 0) el.addEventListener(k.slice(2), v);
        else el.setAttribute(k, v === true ? "" : String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) add(el, arguments[i]);
    return el;
  }
  function add(el, child) {
    if (child === null || child === undefined || child === false) return;
    if (Array.isArray(child)) { child.forEach(function (c) { add(el, c); }); return; }
    el.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

  function ago(iso) {
    var s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    if (s < 5) return "just now";
    if (s < 60) return s + "s ago";
    if (s < 3600) return Math.floor(s / 60) + "m ago";
    if (s < 86400) return Math.floor(s / 3600) + "h ago";
    return new Date(iso).toLocaleDateString();
  }
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + "-" + Math.random().toString(16).slice(2);
  }

  // ---- API access -------------------------------------------------------------------------
  function apiKey() { try { return localStorage.getItem(KEY_STORAGE) || ""; } catch (e) { return ""; } }
  // api(method, path, body, headers) resolves to { ok, status, data }, never rejects; a 401 goes
  // to onUnauthorized(data) first (the panel asks for a key its own way).
  function apiClient(onUnauthorized) {
    return function api(method, path, body, headers) {
      var init = { method: method, headers: { accept: "application/json" } };
      Object.keys(headers || {}).forEach(function (k) { init.headers[k] = headers[k]; });
      var key = apiKey();
      if (key) init.headers.authorization = "Bearer " + key;
      if (body !== undefined) { init.headers["content-type"] = "application/json"; init.body = JSON.stringify(body); }
      return fetch(path, init).then(function (res) {
        return res.text().then(function (text) {
          var data = null;
          try { data = text ? JSON.parse(text) : null; } catch (e) { data = { detail: text }; }
          if (res.status === 401) onUnauthorized(data);
          return { ok: res.ok, status: res.status, data: data };
        });
      }, function (err) {
        return { ok: false, status: 0, data: { title: "Network error", detail: "Could not reach the API: " + err.message } };
      });
    };
  }
  function problemText(res) {
    var d = res.data || {};
    return d.detail || d.title || ("Request failed with status " + res.status);
  }

  // ---- live event stream ------------------------------------------------------------------
  // EventSource cannot send headers: the key goes in the query. After a retry the old stream
  // ended; last_event_id continues after the last event instead of replaying it all.
  function eventsUrl(path, lastEventId) {
    var params = [];
    var key = apiKey();
    if (key) params.push("access_token=" + encodeURIComponent(key));
    if (lastEventId) params.push("last_event_id=" + encodeURIComponent(lastEventId));
    return path + (params.length ? "?" + params.join("&") : "");
  }
  // Follows the events at path for the selected entity's state ({ source, lastEventId, ended,
  // els.streamState }). Nothing happens once on.isCurrent() says the panel shows something else.
  // on.event(event) for each event; after one of on.terminal the stream is closed and on.end(event)
  // runs; on.closed() when the server refused or dropped it for good.
  function followEvents(state, path, on) {
    if (!window.EventSource) { state.els.streamState.textContent = "live updates unsupported"; return; }
    var source = new EventSource(eventsUrl(path, state.lastEventId));
    state.source = source;
    state.ended = false;
    state.els.streamState.textContent = "connecting…";
    source.onopen = function () { if (on.isCurrent()) state.els.streamState.textContent = "live"; };
    source.onmessage = function (message) {
      if (!on.isCurrent()) return;
      var event;
      try { event = JSON.parse(message.data); } catch (e) { return; }
      if (message.lastEventId) state.lastEventId = message.lastEventId;
      on.event(event);
      if (on.terminal[event.type]) {
        // The server ends the stream after a terminal event; stop EventSource from reconnecting.
        state.ended = true;
        source.close();
        state.els.streamState.textContent = "";
        on.end(event);
      }
    };
    source.onerror = function () {
      if (!on.isCurrent() || state.ended) return;
      if (source.readyState === EventSource.CLOSED) {
        state.els.streamState.textContent = "disconnected";
        if (on.closed) on.closed();
      } else state.els.streamState.textContent = "reconnecting…";
    };
  }
`;
