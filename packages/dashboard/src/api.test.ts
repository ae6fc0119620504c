// The API client's 401 handling: the page asks for a key when the key a request was sent with is
// refused, and not when a slow refusal of an older key arrives after a new one was saved.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApi, storeKey } from "./api.ts";

const storage = new Map<string, string>();
const unauthorized = () => new Response(JSON.stringify({ title: "Unauthorized", status: 401 }), { status: 401 });

function stubBrowser(fetchImpl: (path: string, init?: RequestInit) => Promise<Response>) {
  storage.clear();
  vi.stubGlobal("localStorage", {
    getItem: (k: string) => storage.get(k) ?? null,
    setItem: (k: string, v: string) => storage.set(k, v),
    removeItem: (k: string) => storage.delete(k),
  });
  vi.stubGlobal("fetch", vi.fn(fetchImpl));
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("dashboard API client", () => {
  it("sends the stored key and asks again when that key is refused", async () => {
    const sent: (string | undefined)[] = [];
    stubBrowser(async (_path, init) => {
      sent.push((init?.headers as Record<string, string> | undefined)?.authorization);
      return unauthorized();
    });
    storeKey("wrong-key");
    const asked = vi.fn();
    const result = await createApi(asked).get("/v1/personas");
    expect(result).toMatchObject({ ok: false, status: 401 });
    expect(sent).toEqual(["Bearer wrong-key"]);
    expect(asked).toHaveBeenCalledTimes(1);
  });

  it("ignores a refusal of an older key that arrives after a new key was saved", async () => {
    let answer!: (res: Response) => void;
    stubBrowser(() => new Promise<Response>((resolve) => (answer = resolve)));
    storeKey("old-key");
    const asked = vi.fn();
    const pending = createApi(asked).get("/v1/tasks");
    storeKey("new-key"); // the user saved another key while the request was out
    answer(unauthorized());
    expect(await pending).toMatchObject({ ok: false, status: 401 });
    expect(asked).not.toHaveBeenCalled();
  });
});
