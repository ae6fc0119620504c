import { describe, expect, it } from "vitest";
import { ndjsonChunks } from "./ndjson.ts";

async function collect(chunks: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

describe("ndjsonChunks", () => {
  it("joins frames produced in the same turn of the event loop into one chunk, one JSON object per line", async () => {
    async function* burst() {
      for (let i = 0; i < 5; i++) yield { i };
    }
    const chunks = await collect(ndjsonChunks(burst()));
    expect(chunks).toEqual(['{"i":0}\n{"i":1}\n{"i":2}\n{"i":3}\n{"i":4}\n']);
  });

  it("sends frames that arrive apart as they come, without holding one back for the next", async () => {
    const seen: string[] = [];
    async function* apart() {
      yield { step: "hook" };
      await new Promise((resolve) => setTimeout(resolve, 20));
      // The first frame was written before this one was produced.
      expect(seen).toEqual(['{"step":"hook"}\n']);
      yield { step: "body" };
    }
    for await (const chunk of ndjsonChunks(apart())) seen.push(chunk);
    expect(seen).toEqual(['{"step":"hook"}\n', '{"step":"body"}\n']);
  });

  it("ends the source when the reader stops early", async () => {
    let closed = false;
    async function* endless() {
      try {
        for (let i = 0; ; i++) {
          yield { i };
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } finally {
        closed = true;
      }
    }
    for await (const chunk of ndjsonChunks(endless())) {
      expect(chunk).toBe('{"i":0}\n');
      break;
    }
    expect(closed).toBe(true);
  });

  it("passes a failure of the source on to the reader, after the frames that came before it", async () => {
    async function* failing() {
      yield { ok: true };
      throw new Error("model went away");
    }
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of ndjsonChunks(failing())) seen.push(chunk);
      })(),
    ).rejects.toThrow("model went away");
    expect(seen).toEqual(['{"ok":true}\n']);
  });
});
