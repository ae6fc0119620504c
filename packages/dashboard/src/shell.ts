// What the page's frame does: the API key dialog (asked for on any 401) and the readiness pill.
import { storedKey, storeKey } from "./api.ts";
import { byId } from "./dom.ts";

export type KeyDialog = { ask(reason?: string): void };

/** `onSaved` restarts the panels with the new key. */
export function createKeyDialog(onSaved: () => void): KeyDialog {
  const dialog = byId<HTMLDialogElement>("key-dialog");
  const input = byId<HTMLInputElement>("key-input");
  const button = byId<HTMLButtonElement>("key-button");
  const ask = (reason?: string) => {
    button.hidden = false;
    if (dialog.open) return;
    byId("key-reason").textContent = `${
      storedKey() && reason ? "The saved API key was not accepted. " : "This deployment requires an API key. "
    }It is kept in this browser's local storage only.`;
    input.value = "";
    dialog.showModal();
  };
  byId("key-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const value = input.value.trim();
    if (!value) return;
    storeKey(value);
    dialog.close();
    onSaved();
  });
  byId("key-cancel").addEventListener("click", () => dialog.close());
  byId("key-forget").addEventListener("click", () => {
    storeKey(null);
    dialog.close();
  });
  button.addEventListener("click", () => ask());
  button.hidden = !storedKey();
  return { ask };
}

type Readiness = { status?: string; checks?: Record<string, string> };

/** GET /ready into the header pill: which dependency is down, if any. */
export async function checkHealth(): Promise<void> {
  const pill = byId("health");
  try {
    const res = await fetch("/ready", { headers: { accept: "application/json" } });
    const body = (await res.json().catch(() => ({}))) as Readiness;
    if (res.status === 200) {
      pill.className = "pill ok";
      pill.textContent = "Ready";
      pill.title = "Redis and the database answer";
      return;
    }
    const down = Object.entries(body.checks ?? {})
      .filter(([, state]) => state !== "ok")
      .map(([name]) => name);
    pill.className = "pill bad";
    pill.textContent = down.length ? `${down.join(" and ")} unreachable` : body.status === "shutting_down" ? "Shutting down" : "Not ready";
    pill.title = JSON.stringify(body.checks ?? body);
  } catch {
    pill.className = "pill bad";
    pill.textContent = "API unreachable";
  }
}
