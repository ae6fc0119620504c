import { ConfigError } from "@threads-agent/config";
import { describe, expect, it } from "vitest";
import { loadServiceConfig } from "./config.ts";

const problems = (env: Record<string, string>) => {
  try {
    loadServiceConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
};

describe("fake-threads config", () => {
  it("reads accounts and best styles", () => {
    const config = loadServiceConfig({
      THREADS_ACCOUNTS: "ai-jesus:jesus-token-1, ai-elon:elon-token-1",
      BEST_HOOK_STYLES: "ai-jesus=question",
    });
    expect(config.THREADS_ACCOUNTS).toEqual([
      { username: "ai-jesus", token: "jesus-token-1" },
      { username: "ai-elon", token: "elon-token-1" },
    ]);
    expect([...config.BEST_HOOK_STYLES]).toEqual([["ai-jesus", "question"]]);
    expect(loadServiceConfig({})).toMatchObject({
      THREADS_ACCOUNTS: [],
      CONTAINER_READY_MS: 1000,
      PUBLISH_QUOTA: 250,
      TOKEN_LIFETIME_S: 5_184_000,
    });
  });

  it("names bad variables without echoing a token", () => {
    const bad = problems({ THREADS_ACCOUNTS: "Bad Name:supersecret-token", BEST_HOOK_STYLES: "ai-jesus=memes", PUBLISH_QUOTA: "0" });
    expect(bad.map((p) => p.variable).sort()).toEqual(["BEST_HOOK_STYLES", "PUBLISH_QUOTA", "THREADS_ACCOUNTS"]);
    expect(JSON.stringify(bad)).not.toContain("supersecret-token");
    expect(bad.find((p) => p.variable === "BEST_HOOK_STYLES")?.message).toMatch(/question, bold_number, contrarian, short_story, how_to/);
  });

  it("refuses an account named twice or two accounts sharing a token", () => {
    expect(problems({ THREADS_USERNAME: "ai-jesus", THREADS_ACCOUNTS: "ai-jesus:token-number-1" })).toEqual([
      { variable: "THREADS_ACCOUNTS", message: 'username "ai-jesus" is given twice' },
    ]);
    expect(problems({ THREADS_ACCESS_TOKEN: "same-token-1", THREADS_ACCOUNTS: "ai-elon:same-token-1" })).toEqual([
      { variable: "THREADS_ACCOUNTS", message: "every account needs its own token" },
    ]);
  });
});
