// Verified variations and a shipped winner through the whole stack in one process: the
// orchestrator's real app, the real launcher on the local backend, the real agent program (its
// tool loop against the LLM stand-in, the three scripted variations of scripted-variations.ts),
// on a repository created here whose `npm test` fails until src/greet.js changes. The winner's
// patch is downloaded and applied to a fresh clone, then pushed to the repository (a bare
// repository behind file://, allowed by ALLOW_FILE_REPOS) as a new branch.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { AGENT_MAIN, GREET_PROMPT, GREET_VARIATIONS, greetVariationsReply } from "@threads-agent/agent";
import { LocalBackend } from "@threads-agent/agent-launcher";
import type { Run } from "@threads-agent/contracts";
import { buildApp, configSchema, createDeps, type OrchestratorDeps } from "@threads-agent/orchestrator";
import {
  createTestRepository,
  GREET_FILES,
  type LlmStandIn,
  listen,
  readSse,
  type SseMessage,
  startLlmStandIn,
  type TestRepository,
  testEnv,
} from "@threads-agent/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../../services/agent-launcher/src/testing/harness.ts";

const KEYS = { openai: "sk-test-winner-openai", anthropic: "sk-ant-test-winner" };
const scratch = mkdtempSync(path.join(tmpdir(), "ta-winner-"));
let source: TestRepository;
/** The repository the run clones and pushes to: a bare repository, as a hosted remote is. */
let remote = "";
let standIn: LlmStandIn;
let harness: Harness;
let app: FastifyInstance;
let orchestrator: OrchestratorDeps;
let api = "";

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args], { cwd, encoding: "utf8" }).trim();

beforeAll(async () => {
  source = createTestRepository(GREET_FILES);
  remote = path.join(scratch, "greet.git");
  execFileSync("git", ["clone", "--quiet", "--bare", source.dir, remote]);
  standIn = await startLlmStandIn({ keys: KEYS, reply: greetVariationsReply });
  harness = await startHarness({
    backend: ({ logger }) =>
      new LocalBackend({
        command: () => [process.execPath, AGENT_MAIN],
        env: {
          PATH: process.env.PATH ?? "",
          REPO_HOST_ALLOWLIST: "github.com",
          ALLOW_FILE_REPOS: "true",
          OPENAI_API_KEY: KEYS.openai,
          ANTHROPIC_API_KEY: KEYS.anthropic,
          OPENAI_BASE_URL: standIn.openaiBaseUrl,
          ANTHROPIC_BASE_URL: standIn.anthropicBaseUrl,
        },
        // A file:// push needs no credential; the author is what the launcher's config would set.
        shipEnv: { SHIP_AUTHOR_NAME: "threads-agent test", SHIP_AUTHOR_EMAIL: "agent@example.com" },
        workRoot: path.join(scratch, "work"),
        activeDeadlineSeconds: 120,
        killGraceMs: 1000,
        logger,
      }),
  });
  const env = testEnv();
  orchestrator = await createDeps(
    configSchema.parse({
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      REDIS_PREFIX: harness.prefix,
      LOG_LEVEL: "silent",
      SSE_HEARTBEAT_MS: "250",
      ALLOW_FILE_REPOS: "true",
      REPO_HOST_ALLOWLIST: "github.com",
      SHIP_ENABLED: "true",
      SHIP_WAIT_SECONDS: "120",
    }),
    { dbPoolSize: 4 },
  );
  app = await buildApp(orchestrator);
  api = (await listen(app)).url;
});

afterAll(async () => {
  await app?.close();
  await orchestrator?.close();
  await harness?.close();
  await standIn?.close();
  source?.remove();
  rmSync(scratch, { recursive: true, force: true });
});

async function post(pathname: string, body: unknown) {
  const res = await fetch(`${api}${pathname}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, type: res.headers.get("content-type"), body: (await res.json()) as Record<string, unknown> };
}
const getRun = async (id: string) => (await (await fetch(`${api}/v1/runs/${id}`)).json()) as Run;

let runId = "";
let messages: SseMessage[] = [];

describe("verified variations and a shipped winner (local backend, the real agent, the LLM stand-in)", () => {
  beforeAll(async () => {
    const created = await post("/v1/runs", {
      repo_url: `file://${remote}`,
      prompt: GREET_PROMPT,
      variations: GREET_VARIATIONS.map((v) => ({ model: v.model })),
    });
    expect(created.status).toBe(202);
    runId = created.body.id as string;
    messages = (await readSse(`${api}/v1/runs/${runId}/events`, { timeoutMs: 240_000 })).messages;
  }, 300_000);

  it("stores each variation's verification against the baseline and suggests the one that fixes the failing test", async () => {
    expect(messages.at(-1)?.json).toMatchObject({ type: "run.completed", status: "succeeded" });
    const run = await getRun(runId);
    const [fix, broke, same] = run.variations;

    // One baseline for all: `npm test` fails one test of two on the commit as cloned.
    for (const v of run.variations) {
      expect(v.verification?.baseline?.checks).toMatchObject([
        {
          name: "test",
          command: "npm test",
          status: "failed",
          exit_code: 1,
          tests: { passed: 1, failed: 1, failing: ["greets with a comma"] },
        },
      ]);
      expect(v.verification?.baseline?.checks[0]?.output_tail).toContain("greets with a comma");
      expect(v.verification?.patched?.checks[0]?.duration_ms).toBeGreaterThan(0);
    }
    expect(fix?.verification?.patched?.checks[0]).toMatchObject({ status: "passed", exit_code: 0, tests: { passed: 2, failed: 0 } });
    expect(broke?.verification?.patched?.checks[0]).toMatchObject({
      status: "failed",
      tests: { passed: 0, failed: 2, failing: ["greets with a comma", "shouts"] },
    });
    expect(same?.verification?.patched?.checks[0]).toMatchObject({ status: "failed", tests: { passed: 1, failed: 1 } });

    expect(run.variations.map((v) => v.outcome)).toEqual(["fixed", "regressed", "unchanged"]);
    expect(run.variations.map((v) => v.verification?.summary?.outcome)).toEqual(["fixed", "regressed", "unchanged"]);
    const scores = run.variations.map((v) => v.score as number);
    expect(scores[0]).toBeGreaterThan(scores[2] as number);
    expect(scores[2]).toBeGreaterThan(scores[1] as number);
    expect(run.variations.map((v) => v.verification?.summary?.score)).toEqual(scores);
    expect(run.suggested_winner).toEqual({
      variation: 0,
      reason: "the only variation whose patch makes the failing checks pass (test: failed (1 of 2 failing) → passed (2 passed))",
    });
    expect(run.winner).toBeNull();

    // Viewers were told as it happened: a readable line per phase, then variation.verified before each verdict.
    for (const [index, v] of run.variations.entries()) {
      const mine = messages.filter((m) => m.json.variation === index);
      const lines = mine.filter((m) => m.json.type === "variation.log" && m.json.kind === "verification").map((m) => m.json.line);
      expect(lines).toEqual([
        expect.stringMatching(/^verification \(baseline\): npm test failed \(1 passed, 1 failed\), exit 1 in \d+\.\d s$/),
        expect.stringMatching(/^verification \(patched\): npm test /),
      ]);
      const types = mine.map((m) => m.json.type);
      expect(types.indexOf("variation.verified")).toBeLessThan(types.indexOf("variation.succeeded"));
      expect(mine.find((m) => m.json.type === "variation.verified")?.json).toMatchObject({ outcome: v.outcome, score: v.score });
    }
    // The list shows outcomes and scores without the output tails.
    const list = (await (await fetch(`${api}/v1/runs?limit=5`)).json()) as { items: Run[] };
    const listed = list.items.find((r) => r.id === runId);
    expect(listed?.variations.map((v) => [v.outcome, v.score, "verification" in v])).toEqual(
      scores.map((s, i) => [run.variations[i]?.outcome, s, false]),
    );
    expect(listed?.suggested_winner?.variation).toBe(0);
  });

  it("serves each variation's patch as text/x-diff that git apply accepts on a fresh clone (and the tests then pass)", async () => {
    const res = await fetch(`${api}/v1/runs/${runId}/variations/0/patch`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/x-diff; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(`attachment; filename="run-${runId}-variation-0.patch"`);
    const patch = await res.text();
    expect(patch).toContain("+export const greet = (name) => 'Hello, ' + name + '!';");

    const clone = path.join(scratch, "fresh");
    execFileSync("git", ["clone", "--quiet", `file://${remote}`, clone]);
    const applied = spawnSync("git", ["apply", "-"], { cwd: clone, input: patch, encoding: "utf8" });
    expect(applied.status, applied.stderr).toBe(0);
    expect(git(clone, "status", "--porcelain")).toBe("M src/greet.js");
    const tested = spawnSync(process.execPath, ["--test"], { cwd: clone, encoding: "utf8" });
    expect(tested.status, tested.stdout).toBe(0);

    const missing = await fetch(`${api}/v1/runs/${runId}/variations/7/patch`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await missing.json()).toMatchObject({ status: 404, detail: `Variation "${runId}/7" does not exist` });
  });

  it("pushes the winner to the repository as a new branch with one commit, and shows the branch on the run", async () => {
    const base = git(remote, "rev-parse", "main");
    const shipped = await post(`/v1/runs/${runId}/winner`, { variation: 0, push: { branch: "agent/greet-comma" } });
    expect(shipped.status, JSON.stringify(shipped.body)).toBe(200);
    expect(shipped.body).toMatchObject({
      winner: 0,
      branch: "agent/greet-comma",
      ship: { variation: 0, branch: "agent/greet-comma", status: "pushed", base: "main", reason: null, code: null },
    });
    const commit = (shipped.body.ship as { commit: string }).commit;
    expect(git(remote, "rev-parse", "agent/greet-comma")).toBe(commit);
    expect(git(remote, "rev-list", "--count", `${base}..agent/greet-comma`)).toBe("1");
    expect(git(remote, "rev-parse", "agent/greet-comma^")).toBe(base);
    expect(git(remote, "diff", "--name-only", base, "agent/greet-comma")).toBe("src/greet.js");
    expect(git(remote, "log", "-1", "--format=%an <%ae>%n%B", "agent/greet-comma")).toBe(
      `threads-agent test <agent@example.com>\nthreads-agent: run ${runId}, variation 0\n\nProposed by threads-agent run ${runId}, variation 0.`,
    );
    // The default branch is untouched.
    expect(git(remote, "rev-parse", "main")).toBe(base);

    const run = await getRun(runId);
    expect(run).toMatchObject({ winner: 0, branch: "agent/greet-comma", ship: { status: "pushed", commit } });
    const events = (await readSse(`${api}/v1/runs/${runId}/events`, { timeoutMs: 10_000, until: (m) => m.json.type === "run.shipped" }))
      .messages;
    expect(events.filter((m) => String(m.json.type).startsWith("run.ship")).map((m) => m.json.type)).toEqual([
      "run.ship_queued",
      "run.ship_started",
      "run.shipped",
    ]);
  });

  it("refuses to push to a branch that exists, with 409 problem+json naming it, and leaves the branch as it was", async () => {
    // Pushed by this run already: refused before anything runs.
    const again = await post(`/v1/runs/${runId}/winner`, { variation: 0, push: { branch: "agent/greet-comma" } });
    expect(again.status).toBe(409);
    expect(again.type).toMatch(/^application\/problem\+json/);
    expect(again.body).toMatchObject({
      status: 409,
      errors: [{ field: "push.branch", message: "branch agent/greet-comma already exists" }],
    });
    expect(String(again.body.type)).toMatch(/branch-exists$/);

    // Made on the remote by someone else: the agent's ship mode finds it and refuses.
    git(remote, "branch", "taken", "main");
    const before = git(remote, "rev-parse", "taken");
    const taken = await post(`/v1/runs/${runId}/winner`, { variation: 0, push: { branch: "taken" } });
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({
      status: 409,
      detail: expect.stringContaining("branch taken already exists"),
      errors: [{ field: "push.branch", message: "branch taken already exists" }],
    });
    expect(git(remote, "rev-parse", "taken")).toBe(before);
    const run = await getRun(runId);
    // The run still shows the branch that was pushed; its latest push is the refused one.
    expect(run).toMatchObject({ branch: "agent/greet-comma", ship: { branch: "taken", status: "failed", code: "branch_exists" } });
  });

  it("refuses a push of a variation without a change to make, and bad branch names, naming the field", async () => {
    const badName = await post(`/v1/runs/${runId}/winner`, { variation: 0, push: { branch: "../main" } });
    expect(badName.status).toBe(400);
    expect(badName.body).toMatchObject({ errors: [{ field: "push.branch" }] });
    const unknown = await post(`/v1/runs/${runId}/winner`, { variation: 0, push: { branch: "x", force: true } });
    expect(unknown.status).toBe(400);
  });

  it("verifies with the run's own check command instead of the detected checks", async () => {
    const created = await post("/v1/runs", {
      repo_url: `file://${remote}`,
      prompt: GREET_PROMPT,
      variations: [{ model: GREET_VARIATIONS[0].model }],
      check_command: "node --test test/greet.test.js",
    });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ check_command: "node --test test/greet.test.js" });
    const id = created.body.id as string;
    await readSse(`${api}/v1/runs/${id}/events`, { timeoutMs: 120_000 });
    const run = await getRun(id);
    const v = run.variations[0];
    expect(v?.verification?.baseline?.checks).toMatchObject([
      { name: "check", command: "node --test test/greet.test.js", status: "failed", tests: { passed: 1, failed: 1 } },
    ]);
    expect(v?.verification?.patched?.checks).toMatchObject([{ name: "check", status: "passed", tests: { passed: 2, failed: 0 } }]);
    expect(v?.outcome).toBe("fixed");

    const refused = await post("/v1/runs", { repo_url: `file://${remote}`, prompt: "p", check_command: "npm test\nrm -rf /" });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ errors: [{ field: "check_command", message: "one line: no line breaks or NUL characters" }] });
  }, 180_000);
});
