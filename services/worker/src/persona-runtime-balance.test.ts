// Several persona-runtime URLs: the worker's client spreads the generations over every instance
// (undici's BalancedPool), and keeps going when one of them is down.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createPersonaRuntimeClient } from "./persona-runtime-client.ts";

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** A stand-in persona-runtime answering every generate with one result frame, counting its requests. */
async function instance(name: string, counts: Map<string, number>): Promise<string> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      counts.set(name, (counts.get(name) ?? 0) + 1);
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      res.end(`${JSON.stringify({ type: "result", hook: "h", body: name, text: `h ${name}`, calls: [] })}\n`);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const request = {
  task_id: "0192b3c4-0000-7000-8000-000000000001",
  input: "AI agents",
  task_type: "trend" as const,
  persona: {
    id: "ai-elon",
    name: "AI Elon",
    emoji: "🚀",
    temperament: "hype" as const,
    description: "",
    hook_prompt: "",
    body_prompt: "",
    hook_model: "offline:default",
    body_model: "offline:default",
  },
};

describe("persona-runtime client over several instances", () => {
  it("spreads generations over every URL given", async () => {
    const counts = new Map<string, number>();
    const urls = [await instance("a", counts), await instance("b", counts)];
    const client = createPersonaRuntimeClient({ baseUrls: urls, timeoutMs: 5_000, connections: 4 });
    try {
      const results = await Promise.all(
        Array.from({ length: 40 }, () => client.generate(request, { signal: new AbortController().signal, onFrames: async () => {} })),
      );
      expect(results.every((r) => r.type === "result")).toBe(true);
      expect(counts.get("a")).toBeGreaterThan(5);
      expect(counts.get("b")).toBeGreaterThan(5);
      expect((counts.get("a") ?? 0) + (counts.get("b") ?? 0)).toBe(40);
    } finally {
      await client.close();
    }
  });
});
