import type { HookArm } from "@threads-agent/contracts";
import { describe, expect, it } from "vitest";
import { HookArmsCache } from "./hook-arms-cache.ts";

function loader() {
  const reads: string[] = [];
  let fail = false;
  return {
    reads,
    failNext: () => {
      fail = true;
    },
    load: async (personaId: string): Promise<HookArm[]> => {
      reads.push(personaId);
      if (fail) {
        fail = false;
        throw new Error("database unreachable");
      }
      return [{ id: "question", alpha: reads.length, beta: 1 }];
    },
  };
}

describe("HookArmsCache", () => {
  it("reads a persona's arms once per TTL, each persona on its own", async () => {
    let now = 0;
    const l = loader();
    const cache = new HookArmsCache(l.load, 30_000, () => now);
    const first = await cache.of("a");
    expect(await cache.of("a")).toBe(first);
    await cache.of("b");
    now = 29_999;
    expect(await cache.of("a")).toBe(first);
    now = 30_000;
    expect(await cache.of("a")).not.toBe(first);
    expect(l.reads).toEqual(["a", "b", "a"]);
  });

  it("shares a read in flight, and keeps no failed read", async () => {
    const l = loader();
    const cache = new HookArmsCache(l.load, 30_000, () => 0);
    l.failNext();
    const [one, two] = await Promise.allSettled([cache.of("a"), cache.of("a")]);
    expect(one.status).toBe("rejected");
    expect(two.status).toBe("rejected");
    expect(l.reads).toEqual(["a"]);
    await expect(cache.of("a")).resolves.toEqual([{ id: "question", alpha: 2, beta: 1 }]);
    expect(l.reads).toEqual(["a", "a"]);
  });

  it("reads for every call with a TTL of 0", async () => {
    const l = loader();
    const cache = new HookArmsCache(l.load, 0, () => 0);
    await cache.of("a");
    await cache.of("a");
    expect(l.reads).toEqual(["a", "a"]);
  });
});
