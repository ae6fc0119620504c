import { loadConfig } from "@threads-agent/config";
import { describe, expect, it } from "vitest";
import { configSchema } from "./config.ts";

const load = (env: Record<string, string>) => loadConfig("agent-launcher", configSchema, env);

describe("agent-launcher config", () => {
  it("has working defaults for the embedded stack", () => {
    expect(load({})).toMatchObject({
      METRICS_PORT: 9101,
      AGENT_BACKEND: "local",
      RUN_MAX_VARIATIONS: 10,
      ALLOW_FILE_REPOS: [],
      REPO_HOST_ALLOWLIST: ["github.com", "gitlab.com", "bitbucket.org", "codeberg.org"],
      AGENT_ACTIVE_DEADLINE_SECONDS: 900,
    });
  });

  it("reads the chart's variables", () => {
    const config = load({
      AGENT_BACKEND: "kubernetes",
      AGENT_NAMESPACE: "agents",
      AGENT_IMAGE: "ghcr.io/threads-agent/agent:1.0.0",
      AGENT_CPU_REQUEST: "500m",
      AGENT_CPU_LIMIT: "2",
      AGENT_MEMORY_REQUEST: "512Mi",
      AGENT_MEMORY_LIMIT: "2Gi",
      AGENT_ACTIVE_DEADLINE_SECONDS: "1800",
      AGENT_TTL_SECONDS_AFTER_FINISHED: "600",
      AGENT_API_KEY_SECRET: "threads-agent-secrets",
      RUN_MAX_VARIATIONS: "20",
      REPO_HOST_ALLOWLIST: "github.com, *.example.org",
    });
    expect(config).toMatchObject({
      AGENT_NAMESPACE: "agents",
      RUN_MAX_VARIATIONS: 20,
      REPO_HOST_ALLOWLIST: ["github.com", "*.example.org"],
    });
  });

  it("lists every problem at once, with a message that says what to do", () => {
    expect(() =>
      load({
        AGENT_BACKEND: "docker",
        AGENT_CPU_LIMIT: "lots",
        RUN_MAX_VARIATIONS: "500",
        AGENT_API_KEY_SECRET: "Not_A_Name",
      }),
    ).toThrow(
      expect.objectContaining({
        problems: expect.arrayContaining([
          { variable: "AGENT_BACKEND", message: "expected local or kubernetes" },
          { variable: "AGENT_CPU_LIMIT", message: "expected a Kubernetes cpu quantity such as 250m or 1" },
          { variable: "RUN_MAX_VARIATIONS", message: "at most 50" },
          expect.objectContaining({ variable: "AGENT_API_KEY_SECRET" }),
        ]),
      }),
    );
  });

  it("refuses requests above limits", () => {
    expect(() => load({ AGENT_MEMORY_REQUEST: "2Gi", AGENT_MEMORY_LIMIT: "1Gi" })).toThrow(
      /AGENT_MEMORY_REQUEST: 2Gi is above AGENT_MEMORY_LIMIT 1Gi/,
    );
    expect(() => load({ AGENT_CPU_REQUEST: "1500m", AGENT_CPU_LIMIT: "1" })).toThrow(/AGENT_CPU_REQUEST: 1500m is above AGENT_CPU_LIMIT 1/);
  });

  it("refuses file:// repositories with the kubernetes backend", () => {
    expect(() => load({ AGENT_BACKEND: "kubernetes", ALLOW_FILE_REPOS: "true" })).toThrow(
      /file:\/\/ repositories work only with AGENT_BACKEND=local/,
    );
  });
});
