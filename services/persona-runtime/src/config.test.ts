import { ConfigError, loadConfig } from "@threads-agent/config";
import { describe, expect, it } from "vitest";
import { configSchema } from "./config.ts";

describe("persona-runtime config", () => {
  it("has working defaults", () => {
    const config = loadConfig("persona-runtime", configSchema, {});
    expect(config).toMatchObject({
      PORT: 8081,
      HOST: "0.0.0.0",
      OFFLINE_STREAM_DELAY_MS: 0,
      LLM_TIMEOUT_MS: 20_000,
      LLM_MAX_RETRIES: 2,
      LLM_RETRY_BASE_DELAY_MS: 500,
      MODERATION_MODEL: "omni-moderation-latest",
    });
    // Unset models are chosen from the keys at start-up (see model-choice.ts).
    expect(config.HOOK_MODEL).toBeUndefined();
    expect(config.OPENAI_API_KEY).toBeUndefined();
    expect(config.GUARDRAIL_BLOCKLIST.test("KILL")).toBe(true);
  });

  it("reads keys, endpoints, fallbacks and retry settings", () => {
    const config = loadConfig("persona-runtime", configSchema, {
      OPENAI_API_KEY: "sk-proj-abc",
      ANTHROPIC_API_KEY: "",
      OPENAI_BASE_URL: "http://127.0.0.1:4000/v1",
      HOOK_FALLBACK_MODEL: "none",
      BODY_FALLBACK_MODEL: "anthropic/claude-haiku-4-5",
      LLM_MAX_RETRIES: "0",
    });
    expect(config).toMatchObject({
      OPENAI_API_KEY: "sk-proj-abc",
      OPENAI_BASE_URL: "http://127.0.0.1:4000/v1",
      HOOK_FALLBACK_MODEL: "none",
      BODY_FALLBACK_MODEL: "anthropic/claude-haiku-4-5",
      LLM_MAX_RETRIES: 0,
    });
    // An empty variable (as a chart renders an unset secret) counts as unset.
    expect(config.ANTHROPIC_API_KEY).toBeUndefined();
  });

  it("never echoes a value in its messages", () => {
    const attempt = () =>
      loadConfig("persona-runtime", configSchema, {
        OPENAI_API_KEY: "sk-proj-secret-value",
        OPENAI_BASE_URL: "sk-proj-secret-value",
        HOOK_FALLBACK_MODEL: "x",
      });
    expect(attempt).toThrow(/OPENAI_BASE_URL: expected a URL/);
    expect(attempt).toThrow(/HOOK_FALLBACK_MODEL: .*or "none" for no fallback/);
    expect(attempt).not.toThrow(/secret-value/);
  });

  it("names every bad variable", () => {
    const bad = () => loadConfig("persona-runtime", configSchema, { HOOK_MODEL: "llama3", GUARDRAIL_BLOCKLIST: "(unclosed", PORT: "x" });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/HOOK_MODEL: .*provider\/model/);
    expect(bad).toThrow(/GUARDRAIL_BLOCKLIST: not a valid regular expression/);
    expect(bad).toThrow(/PORT/);
  });
});
