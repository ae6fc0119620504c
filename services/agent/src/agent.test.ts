import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { AgentEvent } from "@threads-agent/contracts";
import { createLlmRouter, createProviders } from "@threads-agent/llm";
import { type LlmStandIn, startLlmStandIn } from "@threads-agent/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runAgent } from "./agent.ts";
import { type AgentConfig, configSchema } from "./config.ts";
import { createEmitter } from "./emitter.ts";
import { createTestRepository, type TestRepository } from "./test-repository.ts";

let repo: TestRepository;
let standIn: LlmStandIn;
let reply = "";
const workdir = mkdtempSync(path.join(tmpdir(), "ta-agent-test-"));

beforeAll(async () => {
  repo = createTestRepository();
  standIn = await startLlmStandIn({ keys: { openai: "sk-test-agent-key" }, reply: () => reply });
});
afterAll(async () => {
  repo.remove();
  await standIn.close();
});

function config(overrides: Record<string, string> = {}): AgentConfig {
  return configSchema.parse({
    RUN_ID: "01a1f000-0000-7000-8000-000000000001",
    VARIATION: "2",
    REPO_URL: repo.url,
    AGENT_PROMPT: "document the layout for newcomers",
    AGENT_TEMPERATURE: "0.2",
    AGENT_WORKDIR: workdir,
    ALLOW_FILE_REPOS: "true",
    ...overrides,
  });
}

async function run(overrides: Record<string, string> = {}, deps: Partial<Parameters<typeof runAgent>[0]> = {}) {
  const lines: string[] = [];
  const emit = createEmitter({ variation: 2, write: (text) => lines.push(text) });
  const exitCode = await runAgent({ config: config(overrides), emit, ...deps });
  const events = lines.map((l) => AgentEvent.parse(JSON.parse(l)));
  return { exitCode, events, lines };
}

describe("the agent", () => {
  it("offline: clones, analyses the real files and proposes a diff that applies, in protocol order", async () => {
    const { exitCode, events, lines } = await run();
    expect(exitCode).toBe(0);
    expect(lines.every((l) => l.endsWith("\n") && !l.slice(0, -1).includes("\n"))).toBe(true);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    expect(events.every((e) => e.variation === 2)).toBe(true);
    const text = events.filter((e) => e.type === "log" || e.type === "thought").map((e) => (e as { line: string }).line);
    expect(text[0]).toMatch(/^variation 2 · offline analysis \(no OPENAI_API_KEY or ANTHROPIC_API_KEY set\) · temperature 0.2$/);
    expect(text).toContain("  src/ (3 files)");
    expect(text).toContain("  src/price.ts:2 FIXME rounding is wrong for negative amounts");
    expect(text.some((l) => l.startsWith("languages: TypeScript"))).toBe(true);

    const result = events.at(-1);
    expect(result?.type).toBe("result");
    if (result?.type !== "result") return;
    expect(result).toMatchObject({ model: "offline", usage: { tokens_in: 0, tokens_out: 0, cost_usd: 0 }, calls: [] });
    expect(result.summary).toMatch(/^Add a repository map to README.md/);
    execFileSync("git", ["apply", "--check", "-"], { cwd: repo.dir, input: result.diff });
    // The diff is also shown line by line before the result.
    expect(text).toContain(result.diff.split("\n")[0]);
  });

  it("with a key: the model's plan streams as thoughts and its patch is checked and reported with usage", async () => {
    reply = [
      "- Add a short CONTRIBUTING guide",
      "- Point to the test command",
      "```diff",
      "diff --git a/CONTRIBUTING.md b/CONTRIBUTING.md",
      "new file mode 100644",
      "--- /dev/null",
      "+++ b/CONTRIBUTING.md",
      "@@ -0,0 +1,3 @@",
      "+# Contributing",
      "+",
      "+Run `npm test` before opening a pull request.",
      "```",
      "",
    ].join("\n");
    const providers = createProviders({ openai: { apiKey: "sk-test-agent-key", baseURL: standIn.openaiBaseUrl } });
    const { exitCode, events } = await run(
      { OPENAI_API_KEY: "sk-test-agent-key", AGENT_MODEL: "openai/gpt-4o-mini" },
      { model: { client: createLlmRouter({ providers }), providers: new Set(Object.keys(providers)) } },
    );
    expect(exitCode).toBe(0);
    expect(events[0]).toMatchObject({ type: "log", line: "variation 2 · model openai/gpt-4o-mini · temperature 0.2" });
    const thoughts = events.filter((e) => e.type === "thought").map((e) => (e as { line: string }).line);
    expect(thoughts).toEqual(expect.arrayContaining(["- Add a short CONTRIBUTING guide", "- Point to the test command"]));
    const result = events.at(-1);
    expect(result?.type).toBe("result");
    if (result?.type !== "result") return;
    expect(result.diff).toContain("+Run `npm test` before opening a pull request.");
    expect(result.model).toMatch(/^openai\/gpt-4o-mini/);
    expect(result.usage.tokens_in).toBeGreaterThan(0);
    expect(result.calls).toHaveLength(1);
    expect(result.calls[0]).toMatchObject({ step: "agent", provider: "openai", reason: "primary" });
    // The model saw the repository summary and the request.
    const call = standIn.requests.at(-1);
    expect(JSON.stringify(call?.body)).toContain("src/price.ts:2 FIXME");
    expect(JSON.stringify(call?.body)).toContain("Request: document the layout for newcomers");
  });

  it.each([
    ["answers without a diff", "I would add docs.", "no_patch", /answered without a diff block/],
    [
      "writes a patch that does not apply",
      "plan\n```diff\n--- a/missing.txt\n+++ b/missing.txt\n@@ -1 +1 @@\n-a\n+b\n```\n",
      "patch_does_not_apply",
      /does not apply to the checkout/,
    ],
  ])("with a key: fails honestly when the model %s", async (_name, answer, code, message) => {
    reply = answer;
    const providers = createProviders({ openai: { apiKey: "sk-test-agent-key", baseURL: standIn.openaiBaseUrl } });
    const { exitCode, events } = await run(
      { OPENAI_API_KEY: "sk-test-agent-key" },
      { model: { client: createLlmRouter({ providers }), providers: new Set(Object.keys(providers)) } },
    );
    expect(exitCode).toBe(1);
    expect(events.at(-1)).toMatchObject({ type: "error", code, message: expect.stringMatching(message) });
  });

  it.each([
    [{ REPO_URL: "https://example.org/acme/widgets" }, "repo_refused", 2, /not on the allowlist/],
    [{ REPO_URL: "file:///nonexistent/repo" }, "clone_failed", 1, /git clone failed: .*(is the URL right|does not appear)/],
    [{ AGENT_MODEL: "mystery-model" }, "bad_model", 2, /does not say its provider/],
  ] as const)("reports %o as %s", async (overrides, code, exit, message) => {
    const { exitCode, events } = await run(overrides);
    expect(exitCode).toBe(exit);
    expect(events.at(-1)).toMatchObject({ type: "error", code, message: expect.stringMatching(message) });
  });

  it("stops a clone that grows beyond AGENT_CLONE_MAX_MB", async () => {
    const big = createTestRepository({ "blob.bin": randomBytes(1_500_000).toString("base64") });
    try {
      const { exitCode, events } = await run({ REPO_URL: big.url, AGENT_CLONE_MAX_MB: "1" });
      expect(exitCode).toBe(1);
      expect(events.at(-1)).toMatchObject({ type: "error", code: "repo_too_large", message: expect.stringMatching(/larger than 1 MB/) });
    } finally {
      big.remove();
    }
  });

  it("refuses a public name that resolves to a private address, before git runs", async () => {
    const { exitCode, events } = await run({ REPO_URL: "https://github.com/acme/widgets" }, { resolve: async () => ["10.0.0.7"] });
    expect(exitCode).toBe(2);
    expect(events.at(-1)).toMatchObject({
      type: "error",
      code: "repo_refused",
      message: "github.com resolves to 10.0.0.7, a private or internal address; refusing to clone",
    });
  });

  it("as a process: a bad environment is reported as an error event and exit code 2", () => {
    const result = spawnSync(process.execPath, [path.join(import.meta.dirname, "main.ts")], {
      env: { PATH: process.env.PATH, VARIATION: "1", RUN_ID: "not-a-uuid" },
      encoding: "utf8",
    });
    expect(result.status).toBe(2);
    const event = AgentEvent.parse(JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}"));
    expect(event).toMatchObject({ type: "error", code: "bad_config", variation: 1, seq: 0 });
    expect((event as { message: string }).message).toMatch(/RUN_ID/);
  });
});
