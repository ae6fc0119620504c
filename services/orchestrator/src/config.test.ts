import { ConfigError } from "@threads-agent/config";
import { describe, expect, it } from "vitest";
import { loadServiceConfig } from "./config.ts";

describe("loadServiceConfig", () => {
  it("has working local defaults: port 8080, auth off, no CORS", () => {
    const config = loadServiceConfig({});
    expect(config).toMatchObject({
      PORT: 8080,
      HOST: "0.0.0.0",
      REDIS_PREFIX: "ta",
      API_KEYS: [],
      CORS_ORIGINS: [],
      SSE_HEARTBEAT_MS: 15_000,
      EVENT_RETENTION_SECONDS: 604_800,
      EVENT_STREAM_MAXLEN: 10_000,
      RECONCILE_INTERVAL_MS: 15_000,
      RECONCILE_AFTER_MS: 10_000,
      IDEMPOTENCY_TTL_SECONDS: 86_400,
      BODY_LIMIT_BYTES: 65_536,
      TASK_MAX_ATTEMPTS: 5,
      TASK_BACKOFF_MS: 2_000,
    });
  });

  it("reads lists and treats empty variables as unset", () => {
    const config = loadServiceConfig({ API_KEYS: " a, b ,,", CORS_ORIGINS: "https://x.example", PORT: "" });
    expect(config.API_KEYS).toEqual(["a", "b"]);
    expect(config.CORS_ORIGINS).toEqual(["https://x.example"]);
    expect(config.PORT).toBe(8080);
  });

  it("names every bad variable at once", () => {
    try {
      loadServiceConfig({ PORT: "eighty", REDIS_URL: "http://nope", RECONCILE_AFTER_MS: "-5" });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.map((p) => p.variable).sort()).toEqual(["PORT", "RECONCILE_AFTER_MS", "REDIS_URL"]);
    }
  });
});
