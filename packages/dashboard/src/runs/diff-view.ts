// The "Proposed changes" part of a run's detail: one tab per variation that proposed a change, the
// change as diff2html's table, unified or side by side (the choice is remembered), and the raw
// .diff as a download.
import { clear, h } from "../dom.ts";
import { plural } from "../format.ts";
import { type DiffLayout, type DiffStats, diffMarkup, diffStats, parseChange } from "./diff-markup.ts";
import { type DashboardRun, preferredDiff } from "./run-state.ts";

const LAYOUT_STORAGE = "threads-agent.diff-layout";

// The page's CSP requires Trusted Types for DOM sinks (require-trusted-types-for 'script'); this is
// the one policy it allows. It passes diff2html's markup through unchanged: diff2html escapes the
// diff's text itself, and no script could run anyway (script-src 'self' only).
type HtmlPolicy = { createHTML(input: string): unknown };
declare global {
  interface Window {
    trustedTypes?: { createPolicy(name: string, rules: { createHTML(input: string): string }): HtmlPolicy };
  }
}
let policy: HtmlPolicy | null | undefined;
function setMarkup(el: HTMLElement, markup: string): void {
  policy ??= window.trustedTypes?.createPolicy("dashboard-diff", { createHTML: (input) => input }) ?? null;
  el.innerHTML = (policy ? policy.createHTML(markup) : markup) as string;
}

function storedLayout(): DiffLayout {
  try {
    const saved = localStorage.getItem(LAYOUT_STORAGE);
    if (saved === "line-by-line" || saved === "side-by-side") return saved;
  } catch {
    // no storage: fall through to the default
  }
  // Two columns of code need room; phones get the unified view.
  return window.matchMedia("(min-width: 1000px)").matches ? "side-by-side" : "line-by-line";
}

export function statsText(stats: DiffStats): string {
  return `${plural(stats.files, "file")}, +${stats.added} −${stats.removed}`;
}

export type DiffView = {
  el: HTMLElement;
  /** Re-reads the run's diffs (after a refresh); keeps the selected variation when it still has one. */
  update(run: DashboardRun): void;
  show(variation: number): void;
  /** Stats of a variation's change, for its card; null without a change. */
  statsOf(variation: number): DiffStats | null;
};

export function createDiffView(): DiffView {
  let layout = storedLayout();
  let selected: number | null = null;
  let run: DashboardRun | null = null;
  const parsed = new Map<number, { diff: string; files: ReturnType<typeof parseChange>; stats: DiffStats }>();

  const tabs = h("div", { class: "diff-tabs", role: "tablist", "aria-label": "Variation" });
  const unified = h("button", { class: "chip", type: "button", text: "Unified", onclick: () => setLayout("line-by-line") });
  const split = h("button", { class: "chip", type: "button", text: "Side by side", onclick: () => setLayout("side-by-side") });
  const download = h("a", { class: "chip", text: "Download .diff" });
  const title = h("span", { class: "diff-title" });
  const body = h("div", { class: "diff-body", role: "tabpanel" });
  const el = h(
    "section",
    { class: "changes", "aria-label": "Proposed changes", hidden: true },
    h(
      "header",
      { class: "changes-head" },
      h("h4", { text: "Proposed changes" }),
      tabs,
      h(
        "div",
        { class: "diff-tools" },
        h("div", { class: "segmented-chips", role: "group", "aria-label": "Diff layout" }, unified, split),
        download,
      ),
    ),
    title,
    body,
  );

  function setLayout(next: DiffLayout) {
    layout = next;
    try {
      localStorage.setItem(LAYOUT_STORAGE, next);
    } catch {
      // the choice lasts for this page only
    }
    render();
  }

  /** Tabs always (the winner's trophy moves); the table only when the change, the tab or the layout did. */
  function render(bodyChanged = true) {
    unified.setAttribute("aria-pressed", String(layout === "line-by-line"));
    split.setAttribute("aria-pressed", String(layout === "side-by-side"));
    el.hidden = parsed.size === 0;
    clear(tabs);
    for (const [index, change] of [...parsed].sort(([a], [b]) => a - b)) {
      tabs.appendChild(
        h(
          "button",
          { class: "chip", type: "button", role: "tab", "aria-selected": String(index === selected), onclick: () => show(index) },
          `#${index}`,
          run?.winner === index ? " 🏆" : "",
          h("span", { class: "diff-count", text: ` +${change.stats.added} −${change.stats.removed}` }),
        ),
      );
    }
    const change = selected === null ? undefined : parsed.get(selected);
    if (!change) {
      clear(body);
      return;
    }
    if (!bodyChanged) return;
    title.textContent = `Variation #${selected}: ${statsText(change.stats)}`;
    const previous = download.getAttribute("href");
    if (previous) URL.revokeObjectURL(previous);
    download.setAttribute("href", URL.createObjectURL(new Blob([change.diff], { type: "text/x-diff" })));
    download.setAttribute("download", `run-${run?.id.slice(0, 8) ?? "run"}-variation-${selected}.diff`);
    setMarkup(body, diffMarkup(change.files, layout));
  }

  function show(variation: number) {
    if (!parsed.has(variation)) return;
    selected = variation;
    render();
  }

  function update(next: DashboardRun) {
    run = next;
    let changed = false;
    for (const v of next.variations) {
      if (!v.diff || parsed.get(v.index)?.diff === v.diff) continue;
      const files = parseChange(v.diff);
      parsed.set(v.index, { diff: v.diff, files, stats: diffStats(files) });
      changed = true;
    }
    if (selected === null || !parsed.has(selected)) {
      selected = preferredDiff(next) ?? Math.min(...parsed.keys());
      if (!Number.isFinite(selected)) selected = null;
      changed = true;
    }
    render(changed);
  }

  return { el, update, show, statsOf: (variation) => parsed.get(variation)?.stats ?? null };
}
