// The dashboard's static markup; script.ts fills it in. Nothing here comes from user data.
export const markup = `
<header class="topbar">
  <div class="brand"><span class="logo" aria-hidden="true">🧵</span> threads-agent <small>content pipeline</small></div>
  <div class="spacer"></div>
  <span id="health" class="pill" title="GET /ready">checking…</span>
  <nav>
    <button id="key-button" class="chip" type="button" hidden>API key</button>
    <a href="/docs">API docs</a>
    <a href="/openapi.json">OpenAPI</a>
    <a href="/metrics">Metrics</a>
  </nav>
</header>
<div class="layout">
  <div class="column">
    <section class="card" aria-labelledby="compose-title">
      <h2 id="compose-title">New post</h2>
      <form id="compose" class="card-body" novalidate>
        <div id="form-error" class="alert" role="alert" hidden></div>
        <label class="field"><span>Persona</span>
          <select id="persona" name="persona_id" required><option value="">Loading personas…</option></select>
          <div id="persona-description" class="hint"></div>
          <div class="field-error" data-field="persona_id" hidden></div>
        </label>
        <div class="field">
          <span class="field-title">Input</span>
          <div class="segmented" role="radiogroup" aria-label="Input type">
            <label><input type="radio" name="task_type" value="trend" checked> Trend to riff on</label>
            <label><input type="radio" name="task_type" value="pain"> Pain to answer</label>
          </div>
          <div class="field-error" data-field="task_type" hidden></div>
        </div>
        <label class="field"><span class="visually-hidden">Text</span>
          <textarea id="input" name="input" maxlength="2000" placeholder="e.g. Solid-state batteries just passed a 1000-cycle durability test" required></textarea>
          <div class="hint"><span>The persona turns this into one Threads post.</span><span id="input-count">0 / 2000</span></div>
          <div class="field-error" data-field="input" hidden></div>
        </label>
        <button id="submit" class="button primary" type="submit">Generate post</button>
      </form>
    </section>
    <section class="card" aria-labelledby="recent-title">
      <h2 id="recent-title">Recent tasks <span id="list-state" class="stream-state"></span></h2>
      <div class="filters" id="filters" role="toolbar" aria-label="Filter by status">
        <button class="chip" type="button" data-status="" aria-pressed="true">All</button>
        <button class="chip" type="button" data-status="running" aria-pressed="false">Running</button>
        <button class="chip" type="button" data-status="queued" aria-pressed="false">Queued</button>
        <button class="chip" type="button" data-status="succeeded" aria-pressed="false">Succeeded</button>
        <button class="chip" type="button" data-status="failed" aria-pressed="false">Failed</button>
        <button class="chip" type="button" data-status="blocked" aria-pressed="false">Blocked</button>
      </div>
      <ol id="task-list" class="task-list" aria-live="polite"></ol>
    </section>
  </div>
  <main id="detail" class="card detail" aria-live="polite">
    <div class="welcome">
      <h2>Watch a post being written</h2>
      <p>Pick a persona, give it a trend or a pain point, and follow each pipeline step live:<br>ingest → hook → body → guardrail → format → published.</p>
    </div>
  </main>
</div>
<dialog id="key-dialog">
  <form id="key-form">
    <h3>API key required</h3>
    <p id="key-reason">This deployment requires an API key. It is kept in this browser's local storage only.</p>
    <input id="key-input" type="password" autocomplete="off" placeholder="Paste an API key" aria-label="API key">
    <div class="row">
      <button id="key-forget" class="button danger" type="button">Forget key</button>
      <button id="key-cancel" class="button" type="button">Cancel</button>
      <button class="button primary" type="submit">Save</button>
    </div>
  </form>
</dialog>
`;
