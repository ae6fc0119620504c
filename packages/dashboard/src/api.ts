// The REST API as the panels call it: the stored API key on every request, JSON in and out, and
// one result type for every outcome (a network failure included), so no caller needs try/catch.
import type { Problem } from "@threads-agent/contracts";

const KEY_STORAGE = "threads-agent.api-key";

export function storedKey(): string {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? "";
  } catch {
    return ""; // storage disabled (private mode, policy)
  }
}

export function storeKey(key: string | null): void {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    // Nowhere to keep it: the dialog asks again on the next 401.
  }
}

/** Every list endpoint's answer. */
export type Page<T> = { items: T[]; next_cursor: string | null };

export type ApiResult<T> = { ok: true; status: number; data: T } | { ok: false; status: number; problem: Partial<Problem> };

export type ApiRequest = { body?: unknown; headers?: Record<string, string> };

export type Api = {
  get<T>(path: string): Promise<ApiResult<T>>;
  post<T>(path: string, request?: ApiRequest): Promise<ApiResult<T>>;
  /** A file (a patch) as a Blob, with the API key; problems as for JSON calls. */
  download(path: string): Promise<ApiResult<Blob>>;
};

/** `onUnauthorized` runs on every 401 (the page asks for a key). */
export function createApi(onUnauthorized: (problem: Partial<Problem>) => void): Api {
  // A 401 answers the key the request was sent with: once another key has been saved meanwhile
  // (a slow answer to the old one), it says nothing about the new key and must not ask again.
  const refused = (sentWith: string, problem: Partial<Problem>) => {
    if (sentWith === storedKey()) onUnauthorized(problem);
  };
  async function call<T>(method: string, path: string, request: ApiRequest = {}): Promise<ApiResult<T>> {
    const headers: Record<string, string> = { accept: "application/json", ...request.headers };
    const key = storedKey();
    if (key) headers.authorization = `Bearer ${key}`;
    const init: RequestInit = { method, headers };
    if (request.body !== undefined) {
      headers["content-type"] = "application/json";
      init.body = JSON.stringify(request.body);
    }
    let res: Response;
    try {
      res = await fetch(path, init);
    } catch (err) {
      return { ok: false, status: 0, problem: { title: "Network error", detail: `Could not reach the API: ${(err as Error).message}` } };
    }
    const text = await res.text().catch(() => "");
    let data: unknown = null;
    try {
      data = text ? JSON.parse(text) : null;
    } catch {
      data = { detail: text.slice(0, 500) };
    }
    if (res.ok) return { ok: true, status: res.status, data: data as T };
    const problem = (data && typeof data === "object" ? data : {}) as Partial<Problem>;
    if (res.status === 401) refused(key, problem);
    return { ok: false, status: res.status, problem };
  }
  async function download(path: string): Promise<ApiResult<Blob>> {
    const headers: Record<string, string> = { accept: "text/x-diff, application/problem+json" };
    const key = storedKey();
    if (key) headers.authorization = `Bearer ${key}`;
    let res: Response;
    try {
      res = await fetch(path, { headers });
    } catch (err) {
      return { ok: false, status: 0, problem: { title: "Network error", detail: `Could not reach the API: ${(err as Error).message}` } };
    }
    if (res.ok) return { ok: true, status: res.status, data: await res.blob() };
    const problem = ((await res.json().catch(() => null)) ?? {}) as Partial<Problem>;
    if (res.status === 401) refused(key, problem);
    return { ok: false, status: res.status, problem };
  }
  return {
    get: (path) => call("GET", path),
    post: (path, request) => call("POST", path, request),
    download,
  };
}

/** A one-line explanation of a failed call, for banners and notices. */
export function problemText(result: { status: number; problem: Partial<Problem> }): string {
  return result.problem.detail || result.problem.title || `Request failed with status ${result.status}`;
}

/** Field errors placed under their form fields (by `data-<attribute>`); the rest are returned for a banner. */
export function showFieldErrors(form: HTMLElement, attribute: string, errors: readonly { field: string; message: string }[]): string[] {
  for (const el of form.querySelectorAll<HTMLElement>(`[data-${attribute}]`)) {
    el.hidden = true;
    el.textContent = "";
  }
  const unplaced: string[] = [];
  for (const error of errors) {
    // variations.1.temperature goes under the variations field, with its full path.
    const top = error.field.split(".")[0] ?? error.field;
    const el = form.querySelector<HTMLElement>(`[data-${attribute}="${CSS.escape(top)}"]`);
    if (!el) {
      unplaced.push(`${error.field}: ${error.message}`);
      continue;
    }
    el.textContent = top === error.field ? error.message : `${error.field}: ${error.message}`;
    el.hidden = false;
  }
  return unplaced;
}
