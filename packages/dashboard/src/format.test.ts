import { THREADS_MAX_CHARS as CONTRACT_MAX, threadsLength } from "@threads-agent/contracts";
import { describe, expect, it } from "vitest";
import { THREADS_MAX_CHARS, threadsCount } from "./format.ts";

describe("threadsCount", () => {
  it("counts exactly as contracts' threadsLength does", () => {
    expect(THREADS_MAX_CHARS).toBe(CONTRACT_MAX);
    for (const text of ["", "plain words", "🙏 Hook 🙏\n\nBody", "❤️👍🏽🇫🇷1️⃣👨‍👩‍👧", "e\u0301 日本 ok", "🚀".repeat(130)])
      expect(threadsCount(text), JSON.stringify(text)).toBe(threadsLength(text));
  });
});
