// The Runs panel's static markup; runs-script.ts fills it in. Nothing here comes from user data.
export const runsMarkup = `
<section id="runs" class="runs" aria-labelledby="runs-title">
  <div class="runs-head">
    <h2 id="runs-title">Agent runs</h2>
    <span class="runs-tagline">One prompt against a git repository as parallel variations; compare them live and pick the best.</span>
  </div>
  <div class="layout runs-layout">
    <div class="column">
      <section class="card" aria-labelledby="run-form-title">
        <h2 id="run-form-title">New run</h2>
        <form id="run-form" class="card-body" novalidate>
          <div id="run-form-error" class="alert" role="alert" hidden></div>
          <label class="field"><span>Repository</span>
            <input id="run-repo" type="text" name="repo_url" autocomplete="off" spellcheck="false" placeholder="https://github.com/owner/repo" required>
            <div class="field-error run-field-error" data-run-field="repo_url" hidden></div>
          </label>
          <label class="field"><span>Prompt</span>
            <textarea id="run-prompt" name="prompt" maxlength="8000" placeholder="e.g. Document the repository layout for newcomers" required></textarea>
            <div class="field-error run-field-error" data-run-field="prompt" hidden></div>
          </label>
          <div class="run-settings">
            <label class="field"><span>Variations</span>
              <input id="run-variations" type="number" name="variations" min="1" max="10" value="3" required>
              <div class="field-error run-field-error" data-run-field="variations" hidden></div>
            </label>
            <label class="field"><span>Model <small class="optional">optional</small></span>
              <input id="run-model" type="text" name="model" autocomplete="off" spellcheck="false" placeholder="openai/gpt-4o-mini">
              <div class="field-error run-field-error" data-run-field="model" hidden></div>
            </label>
          </div>
          <div class="hint"><span>Without a model key the agent runs its offline analysis. Temperatures are spread across variations.</span></div>
          <button id="run-submit" class="button primary" type="submit">Start run</button>
        </form>
      </section>
      <section class="card" aria-labelledby="run-list-title">
        <h2 id="run-list-title">Recent runs <span id="run-list-state" class="stream-state"></span></h2>
        <ol id="run-list" class="task-list" aria-live="polite"></ol>
      </section>
    </div>
    <div id="run-detail" class="card detail run-detail" aria-live="polite">
      <div class="welcome">
        <h2>Compare agent variations side by side</h2>
        <p>Start a run or pick one from the list: every variation's output streams here live,<br>line by line, and you choose the winner.</p>
      </div>
    </div>
  </div>
</section>
`;
