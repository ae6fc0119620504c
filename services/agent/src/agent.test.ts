import { execFile, execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { AgentEvent, suggestWinner } from "@threads-agent/contracts";
import { createLlmRouter, createProviders } from "@threads-agent/llm";
import {
  createTestRepository,
  GREET_FILES,
  type LlmStandIn,
  type StandInAnswer,
  type StandInCall,
  startLlmStandIn,
  type TestRepository,
} from "@threads-agent/testing";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runAgent } from "./agent.ts";
import { type AgentConfig, configSchema } from "./config.ts";
import { createEmitter } from "./emitter.ts";
import { FIX_PATCH, GREET_PROMPT, GREET_VARIATIONS, greetVariationsReply, scriptedWorker } from "./scripted-variations.ts";

const KEYS = { openai: "sk-test-agent-key", anthropic: "sk-ant-test-agent-key" };
let repo: TestRepository;
let greet: TestRepository;
let standIn: LlmStandIn;
let script: (call: StandInCall) => string | StandInAnswer = () => "";
const workdir = mkdtempSync(path.join(tmpdir(), "ta-agent-test-"));

beforeAll(async () => {
  repo = createTestRepository();
  greet = createTestRepository(GREET_FILES);
  standIn = await startLlmStandIn({ keys: KEYS, reply: (call) => script(call) });
});
afterAll(async () => {
  repo.remove();
  greet.remove();
  await standIn.close();
});
beforeEach(() => standIn.reset());

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

const withModel = () => {
  const providers = createProviders({
    openai: { apiKey: KEYS.openai, baseURL: standIn.openaiBaseUrl },
    anthropic: { apiKey: KEYS.anthropic, baseURL: standIn.anthropicBaseUrl },
  });
  return {
    model: {
      client: createLlmRouter({ providers, retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 10 } }),
      providers: new Set(Object.keys(providers)),
    },
  };
};
const modelEnv = (model: string) => ({ OPENAI_API_KEY: KEYS.openai, ANTHROPIC_API_KEY: KEYS.anthropic, AGENT_MODEL: model });

async function run(overrides: Record<string, string> = {}, deps: Partial<Parameters<typeof runAgent>[0]> = {}) {
  const lines: string[] = [];
  const cfg = config(overrides);
  const emit = createEmitter({ variation: cfg.VARIATION, write: (text) => lines.push(text) });
  const exitCode = await runAgent({ config: cfg, emit, ...deps });
  const events = lines.map((l) => AgentEvent.parse(JSON.parse(l)));
  return { exitCode, events, lines };
}

const textOf = (events: AgentEvent[]) =>
  events.filter((e) => e.type === "log" || e.type === "thought").map((e) => (e as { line: string }).line);
const resultOf = (events: AgentEvent[]) => {
  const result = events.at(-1);
  if (result?.type !== "result") throw new Error(`expected a result, got ${JSON.stringify(result)}`);
  return result;
};
const verificationOf = (events: AgentEvent[], phase: "baseline" | "patched") => {
  const event = events.find((e) => e.type === "verification" && e.phase === phase);
  if (event?.type !== "verification") throw new Error(`no ${phase} verification event`);
  return event;
};

describe("the agent, offline", () => {
  it("clones, analyses the real files, verifies its proposal against the baseline and reports it, in protocol order", async () => {
    const { exitCode, events, lines } = await run();
    expect(exitCode).toBe(0);
    expect(lines.every((l) => l.endsWith("\n") && !l.slice(0, -1).includes("\n"))).toBe(true);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    expect(events.every((e) => e.variation === 2)).toBe(true);
    const text = textOf(events);
    expect(text[0]).toMatch(/^variation 2 · offline analysis \(no OPENAI_API_KEY or ANTHROPIC_API_KEY set\) · temperature 0.2$/);
    expect(text).toContain("  src/ (3 files)");
    expect(text).toContain("  src/price.ts:2 FIXME rounding is wrong for negative amounts");
    // The count is the list: every language named, data formats apart.
    const languages = text.find((l) => l.startsWith("languages ("));
    expect(languages).toBe("languages (2): TypeScript 16 lines in 3 files; Shell 3 lines in 1 file");
    expect(text).toContain("data and docs: JSON (1 file), Markdown (2 files)");
    // Candidates are ranked best first with fits that differ.
    const considered = text.find((l) => l.startsWith("changes considered"));
    const fits = [...(considered ?? "").matchAll(/fit (\d\.\d\d)/g)].map((m) => Number(m[1]));
    expect(fits.length).toBeGreaterThan(2);
    expect(new Set(fits).size).toBe(fits.length);

    // The repository's checks run before and after, on copies; here its tools are not installed.
    const baseline = verificationOf(events, "baseline");
    expect(baseline.checks.map((c) => [c.command, c.status])).toEqual([
      ["npm test", "unavailable"],
      ["npm run lint", "unavailable"],
    ]);
    expect(baseline.checks[0]?.note).toMatch(/^vitest is not installed/);
    expect(events.indexOf(baseline)).toBeLessThan(events.indexOf(verificationOf(events, "patched")));

    const result = resultOf(events);
    expect(result).toMatchObject({ model: "offline", usage: { tokens_in: 0, tokens_out: 0, cost_usd: 0 }, calls: [] });
    expect(result.summary).toMatch(/^Add a repository map to README.md/);
    expect(result.summary).toContain("2 languages (TypeScript, Shell) and 4 TODO markers in comments");
    expect(result.verification).toMatchObject({ outcome: "unverified", patch: { applies: true, files: 1 }, confidence: result.confidence });
    expect(result.confidence).toBeGreaterThan(0.5);
    execFileSync("git", ["apply", "--check", "-"], { cwd: repo.dir, input: result.diff });
    expect(text).toContain(result.diff.split("\n")[0]);
  });

  it("with AGENT_VERIFY=false reports the change unverified and says why", async () => {
    const { events } = await run({ AGENT_VERIFY: "false" });
    expect(verificationOf(events, "baseline")).toMatchObject({ checks: [], skipped: "verification is switched off (AGENT_VERIFY=false)" });
    expect(resultOf(events).verification?.outcome).toBe("unverified");
  });
});

describe("three scripted variations on a repository whose test fails until a file changes", () => {
  it("verifies each against the baseline and suggests the one that makes the failing test pass", async () => {
    script = greetVariationsReply;
    const runs = [];
    for (const [variation, { model }] of GREET_VARIATIONS.entries()) {
      runs.push(
        await run({ ...modelEnv(model), VARIATION: String(variation), REPO_URL: greet.url, AGENT_PROMPT: GREET_PROMPT }, withModel()),
      );
    }
    for (const r of runs) expect(r.exitCode).toBe(0);

    // The same baseline for all: one failing test of two.
    for (const r of runs) {
      expect(verificationOf(r.events, "baseline").checks).toMatchObject([
        {
          name: "test",
          command: "npm test",
          status: "failed",
          tests: { format: "node-spec", passed: 1, failed: 1, failing: ["greets with a comma"] },
        },
      ]);
    }
    const patched = runs.map((r) => verificationOf(r.events, "patched").checks[0]);
    expect(patched[0]).toMatchObject({ status: "passed", exit_code: 0, tests: { passed: 2, failed: 0 } });
    expect(patched[1]).toMatchObject({ status: "failed", tests: { passed: 0, failed: 2, failing: ["greets with a comma", "shouts"] } });
    expect(patched[2]).toMatchObject({ status: "failed", tests: { passed: 1, failed: 1, failing: ["greets with a comma"] } });

    const results = runs.map((r) => resultOf(r.events));
    expect(results.map((r) => r.verification?.outcome)).toEqual(["fixed", "regressed", "unchanged"]);
    expect(results.map((r) => r.confidence)).toEqual([0.8, 0.7, 0.9]);
    expect(results[0]?.verification?.score).toBeGreaterThan(results[2]?.verification?.score as number);
    expect(results[2]?.verification?.score).toBeGreaterThan(results[1]?.verification?.score as number);
    expect(results[0]?.diff).toContain("+export const greet = (name) => 'Hello, ' + name + '!';");

    const winner = suggestWinner(results.map((r, variation) => ({ variation, verification: r.verification ?? null })));
    expect(winner).toEqual({
      variation: 0,
      reason: "the only variation whose patch makes the failing checks pass (test: failed (1 of 2 failing) → passed (2 passed))",
    });
  });
});

describe("the agent with a model: a tool loop", () => {
  it("as a process: reads, patches, runs the check, finishes; its tool calls stream in order and the diff is verified", async () => {
    script = scriptedWorker([{ name: "apply_patch", input: { patch: FIX_PATCH } }], 0.9);
    const { stdout } = await promisify(execFile)(process.execPath, [path.join(import.meta.dirname, "main.ts")], {
      env: {
        PATH: process.env.PATH,
        RUN_ID: "01a1f000-0000-7000-8000-000000000002",
        VARIATION: "1",
        REPO_URL: greet.url,
        AGENT_PROMPT: GREET_PROMPT,
        AGENT_MODEL: "openai/gpt-4o-mini",
        OPENAI_API_KEY: KEYS.openai,
        OPENAI_BASE_URL: standIn.openaiBaseUrl,
        AGENT_WORKDIR: workdir,
        ALLOW_FILE_REPOS: "true",
      },
      maxBuffer: 16 * 1024 * 1024,
    });
    const events = stdout
      .trim()
      .split("\n")
      .map((l) => AgentEvent.parse(JSON.parse(l)));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i));
    const toolLines = textOf(events).filter((l) => l.startsWith("tool ") || l.startsWith("  → "));
    expect(toolLines).toEqual([
      "tool read_file path=src/greet.js",
      "  → lines 1-2 of 2 (99 B)",
      expect.stringMatching(/^tool apply_patch patch=diff --git a\/src\/greet.js b\/src\/greet.js… \(\d+ chars\)$/),
      "  → applied (1 file)",
      "tool run_check",
      "  → test passed (0 failed)",
      "tool finish summary=Changed src/greet.js as asked. confidence=0.9",
      "  → confidence 0.9",
    ]);
    // The model's own words stream as thoughts, in place.
    const thoughtAt = events.findIndex((e) => e.type === "thought" && e.line === "Reading the code under test first.");
    const firstTool = events.findIndex((e) => e.type === "log" && e.line.startsWith("tool read_file"));
    expect(thoughtAt).toBeGreaterThan(0);
    expect(thoughtAt).toBeLessThan(firstTool);
    // Baseline before the work, the patched checks after it, the result last.
    expect(events.indexOf(verificationOf(events, "baseline"))).toBeLessThan(firstTool);
    const lastTool = events.findLastIndex((e) => e.type === "log" && e.line.startsWith("tool "));
    expect(events.indexOf(verificationOf(events, "patched"))).toBeGreaterThan(lastTool);
    const result = resultOf(events);
    expect(result.diff).toContain(
      "-export const greet = (name) => 'Hello ' + name;\n+export const greet = (name) => 'Hello, ' + name + '!';",
    );
    execFileSync("git", ["apply", "--check", "-"], { cwd: greet.dir, input: result.diff });
    expect(result).toMatchObject({
      summary: "Changed src/greet.js as asked.",
      confidence: 0.9,
      model: expect.stringMatching(/^openai\/gpt-4o-mini/),
      verification: { outcome: "fixed", patch: { applies: true, files: 1, additions: 1, deletions: 1 } },
    });
    expect(result.calls).toHaveLength(4);
    expect(result.calls.every((c) => c.step === "agent" && c.provider === "openai")).toBe(true);
    expect(result.usage.tokens_in).toBeGreaterThan(0);
    // The model's first look: the summary, the baseline's failing test, and the request.
    const first = JSON.stringify(standIn.requests[0]?.body);
    expect(first).toContain("src/greet.js");
    expect(first).toContain("failing: greets with a comma");
    expect(first).toContain("Request: greet people with a comma and an exclamation mark");
  });

  it("the step bound stops a model that never finishes", async () => {
    script = () => ({ text: "Still looking around.", toolCalls: [{ name: "list_directory", input: { path: "." } }] });
    const { exitCode, events } = await run({ ...modelEnv("anthropic/claude-haiku-4-5"), AGENT_MAX_STEPS: "3" }, withModel());
    expect(exitCode).toBe(1);
    expect(textOf(events).filter((l) => l.startsWith("tool "))).toEqual(Array(3).fill("tool list_directory path=."));
    expect(standIn.requests.filter((r) => r.api === "anthropic")).toHaveLength(3);
    expect(events.at(-1)).toMatchObject({
      type: "error",
      code: "model_did_not_finish",
      message: "the model did not finish within 3 steps (AGENT_MAX_STEPS), without changing anything",
    });
  });

  it("a model stopped at the bound after changing files still gets its change verified, with confidence 0", async () => {
    script = (call) =>
      call.turn === 0
        ? { toolCalls: [{ name: "apply_patch", input: { patch: FIX_PATCH } }] }
        : { toolCalls: [{ name: "list_directory", input: { path: "src" } }] };
    const { exitCode, events } = await run({ ...modelEnv("openai/gpt-4o-mini"), AGENT_MAX_STEPS: "2", REPO_URL: greet.url }, withModel());
    expect(exitCode).toBe(0);
    expect(textOf(events)).toContain("stopped: the model did not finish within 2 steps (AGENT_MAX_STEPS)");
    expect(resultOf(events)).toMatchObject({
      summary: "the model did not finish within 2 steps (AGENT_MAX_STEPS); the change is what it had done by then",
      confidence: 0,
      verification: { outcome: "fixed", parts: { confidence: 0 } },
    });
  });

  it("the token budget and the time limit stop it too", async () => {
    script = () => ({ toolCalls: [{ name: "list_directory", input: { path: "." } }] });
    const tokens = await run({ ...modelEnv("openai/gpt-4o-mini"), AGENT_MAX_TOKENS: "1" }, withModel());
    expect(tokens.events.at(-1)).toMatchObject({
      code: "model_did_not_finish",
      message: expect.stringMatching(/^the model used \d+ tokens, the budget is 1 \(AGENT_MAX_TOKENS\), without changing anything$/),
    });
    standIn.fault({ api: "openai", status: 200, delayMs: 30_000 });
    const slow = await run({ ...modelEnv("openai/gpt-4o-mini"), AGENT_TIME_LIMIT_SECONDS: "1" }, withModel());
    expect(slow.events.at(-1)).toMatchObject({
      code: "model_did_not_finish",
      message: "the model did not finish within 1 s (AGENT_TIME_LIMIT_SECONDS), without changing anything",
    });
  });

  it("keeps every tool inside the workspace: paths out of it come back to the model as errors", async () => {
    const attempts = [
      { name: "read_file", input: { path: "../../etc/passwd" } },
      { name: "read_file", input: { path: "/etc/passwd" } },
      { name: "list_directory", input: { path: ".git" } },
      { name: "write_file", input: { path: "src/../../outside.txt", content: "x" } },
      { name: "apply_patch", input: { patch: "--- a/../outside.txt\n+++ b/../outside.txt\n@@ -0,0 +1 @@\n+x\n" } },
      {
        name: "apply_patch",
        input: { patch: "diff --git a/link b/link\nnew file mode 120000\n--- /dev/null\n+++ b/link\n@@ -0,0 +1 @@\n+/etc/passwd\n" },
      },
      { name: "no_such_tool", input: {} },
    ];
    script = (call) =>
      call.turn === 0 ? { toolCalls: attempts } : { toolCalls: [{ name: "finish", input: { summary: "nothing to do", confidence: 0.1 } }] };
    const { exitCode, events } = await run(modelEnv("openai/gpt-4o-mini"), withModel());
    const results = standIn.requests[1]?.body.messages as { role: string; content: string }[];
    expect(results.filter((m) => m.role === "tool").map((m) => m.content)).toEqual([
      "error: \"../../etc/passwd\" leaves the repository ('..' is not allowed)",
      'error: "/etc/passwd" is absolute; use a path relative to the repository root',
      "error: the .git directory is off limits",
      "error: \"src/../../outside.txt\" leaves the repository ('..' is not allowed)",
      "error: \"../outside.txt\" leaves the repository ('..' is not allowed)",
      "error: symbolic links and submodules cannot be created",
      expect.stringMatching(/^error: there is no tool named "no_such_tool"/),
    ]);
    expect(exitCode).toBe(1);
    expect(events.at(-1)).toMatchObject({
      type: "error",
      code: "no_patch",
      message: expect.stringMatching(/finished without changing anything: nothing to do$/),
    });
  });
});

describe("the agent's failures", () => {
  it.each([
    [{ REPO_URL: "https://example.org/acme/widgets" }, "repo_refused", 2, /not on the allowlist/],
    [
      { REPO_URL: `file://${path.join(tmpdir(), "ta-agent-nonexistent-repo")}` },
      "clone_failed",
      1,
      /git clone failed: .*(is the URL right|does not appear)/,
    ],
    // ALLOW_FILE_REPOS=true allows the checkout and the temp dir, not every path on the machine.
    [{ REPO_URL: "file:///etc" }, "repo_refused", 2, /must be under/],
    [{ AGENT_MODEL: "mystery-model" }, "bad_model", 2, /does not say its provider/],
  ] as const)("reports %o as %s", async (overrides, code, exit, message) => {
    const { exitCode, events } = await run(overrides);
    expect(exitCode).toBe(exit);
    expect(events.at(-1)).toMatchObject({ type: "error", code, message: expect.stringMatching(message) });
  });

  it("refuses a file:// path under an allowed directory that is a symbolic link out of it", async () => {
    const link = path.join(workdir, `escape-${randomBytes(3).toString("hex")}`);
    symlinkSync("/etc", link);
    const { exitCode, events } = await run({ REPO_URL: `file://${link}` });
    expect(exitCode).toBe(2);
    expect(events.at(-1)).toMatchObject({
      type: "error",
      code: "repo_refused",
      message: expect.stringMatching(/resolves to \/etc, outside/),
    });
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
