import { clock } from "./format.ts";

// DOM building without a framework: the page is a handful of lists and cards that change on events,
// and `h()` plus textContent covers that in a few lines (nothing from the API is ever parsed as
// HTML; the one exception is diff2html's markup, see diff-view.ts).

type Child = Node | string | number | null | undefined | false | readonly Child[];
type Attrs = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

/** `h("button", { class: "chip", onclick: fn, text: "Go" }, child...)`; null/false attributes and children are skipped. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(key.replace(/^on/, ""), value);
    else if (key === "class") el.className = String(value);
    else if (key === "text") el.textContent = String(value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  add(el, children);
  return el;
}

export function add(el: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) for (const c of child as readonly Child[]) add(el, c);
  else el.appendChild(typeof child === "object" ? (child as Node) : document.createTextNode(String(child)));
}

export function clear<T extends Node>(el: T): T {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** An element the page's markup (index.html) must have; a missing one is a bug worth a clear message. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`index.html has no #${id}`);
  return el as T;
}

/** Keeps a scrolled log pinned to its end while new lines arrive, unless the user scrolled up. */
export function stickToEnd(el: HTMLElement, append: () => void): void {
  const stick = el.scrollTop + el.clientHeight >= el.scrollHeight - 8;
  append();
  if (stick) el.scrollTop = el.scrollHeight;
}

/** One line of an event log list (a task's or a run's): time, type, what it says; unknown types marked. */
export function appendEventLine(
  list: HTMLElement,
  line: { at?: string | null | undefined; type: string; info: string; known: boolean },
): void {
  stickToEnd(list, () =>
    list.appendChild(
      h(
        "li",
        { class: line.known ? null : "unknown" },
        h("span", { class: "time", text: line.at ? clock(line.at) : "" }),
        h("span", { class: "type", text: line.type }),
        h("span", { class: "info", text: line.info, title: line.info }),
      ),
    ),
  );
}
