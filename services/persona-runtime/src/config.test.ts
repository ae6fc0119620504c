import { ConfigError, loadConfig } from "@threads-agent/config";
import { describe, expect, it } from "vitest";
import { configSchema } from "./config.ts";

describe("persona-runtime config", () => {
  it("has working defaults", () => {
    const config = loadConfig("persona-runtime", configSchema, {});
    expect(config).toMatchObject({
      PORT: 8081,
      HOST: "0.0.0.0",
      HOOK_MODEL: "offline/hook",
      BODY_MODEL: "offline/body",
      OFFLINE_STREAM_DELAY_MS: 0,
    });
    expect(config.GUARDRAIL_BLOCKLIST.test("KILL")).toBe(true);
  });

  it("names every bad variable", () => {
    const bad = () => loadConfig("persona-runtime", configSchema, { HOOK_MODEL: "llama3", GUARDRAIL_BLOCKLIST: "(unclosed", PORT: "x" });
    expect(bad).toThrow(ConfigError);
    expect(bad).toThrow(/HOOK_MODEL: .*provider\/model/);
    expect(bad).toThrow(/GUARDRAIL_BLOCKLIST: not a valid regular expression/);
    expect(bad).toThrow(/PORT/);
  });
});
