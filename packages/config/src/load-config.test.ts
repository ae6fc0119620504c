import { describe, expect, it } from "vitest";
import { z } from "zod";
import * as env from "./env.ts";
import { ConfigError, loadConfig } from "./load-config.ts";

const schema = z.object({
  PORT: env.port(8080),
  WORKERS: env.positiveInt(4),
  DEBUG: env.flag(false),
  ORIGINS: env.list(),
  REDIS_URL: env.redisUrl,
});

describe("loadConfig", () => {
  it("applies defaults, treating empty variables as unset", () => {
    expect(loadConfig("svc", schema, { PORT: "", DEBUG: "false" })).toEqual({
      PORT: 8080,
      WORKERS: 4,
      DEBUG: false,
      ORIGINS: [],
      REDIS_URL: "redis://127.0.0.1:6379",
    });
  });

  it("coerces values the way operators write them", () => {
    expect(loadConfig("svc", schema, { PORT: "9000", WORKERS: "2", DEBUG: "yes", ORIGINS: "a, b,,c" })).toMatchObject({
      PORT: 9000,
      WORKERS: 2,
      DEBUG: true,
      ORIGINS: ["a", "b", "c"],
    });
  });

  it("lists every bad variable at once, by name, with a message an operator can act on", () => {
    let error: unknown;
    try {
      loadConfig("svc", schema, { PORT: "http", WORKERS: "0", DEBUG: "maybe", REDIS_URL: "http://x" });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      { variable: "PORT", message: "expected a whole number" },
      { variable: "WORKERS", message: "must be at least 1" },
      { variable: "DEBUG", message: "expected true or false" },
      { variable: "REDIS_URL", message: "expected a redis:// or rediss:// URL" },
    ]);
    expect((error as Error).message).toMatch(/^svc: invalid configuration\n {2}- PORT: expected a whole number/);
  });

  it("takes one URL or several, comma-separated, and names the entry that is not one", () => {
    const urls = z.object({ UPSTREAM: env.urlList(["http://127.0.0.1:8081"]) });
    expect(loadConfig("svc", urls, {})).toEqual({ UPSTREAM: ["http://127.0.0.1:8081"] });
    expect(loadConfig("svc", urls, { UPSTREAM: "http://a:1, http://b:2" })).toEqual({ UPSTREAM: ["http://a:1", "http://b:2"] });
    expect(() => loadConfig("svc", urls, { UPSTREAM: "http://a:1,b:2" })).toThrow(
      'UPSTREAM: expected http(s) URLs separated by commas, not "b:2"',
    );
  });
});
