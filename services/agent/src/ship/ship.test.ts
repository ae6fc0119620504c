import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { AgentEvent, checkRepoUrl } from "@threads-agent/contracts";
import { createTestRepository, GREET_FILES, type TestRepository } from "@threads-agent/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloneCommand, remoteAccess } from "../clone.ts";
import { createEmitter } from "../emitter.ts";
import { runShip } from "./ship.ts";
import { loadShipConfig } from "./ship-config.ts";

const RUN_ID = "01a1f000-0000-7000-8000-0000000000aa";
const PATCH = [
  "diff --git a/src/greet.js b/src/greet.js",
  "--- a/src/greet.js",
  "+++ b/src/greet.js",
  "@@ -1,2 +1,2 @@",
  "-export const greet = (name) => 'Hello ' + name;",
  "+export const greet = (name) => 'Hello, ' + name + '!';",
  " export const shout = (name) => name.toUpperCase();",
  "",
].join("\n");

let source: TestRepository;
let bare: string;
const workdir = mkdtempSync(path.join(tmpdir(), "ta-ship-test-"));
const gitIn = (dir: string, ...args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();

beforeAll(() => {
  source = createTestRepository(GREET_FILES);
  bare = mkdtempSync(path.join(tmpdir(), "ta-ship-remote-"));
  execFileSync("git", ["clone", "--quiet", "--bare", source.dir, bare]);
});
afterAll(() => {
  source.remove();
  rmSync(bare, { recursive: true, force: true });
  rmSync(workdir, { recursive: true, force: true });
});

async function ship(overrides: Record<string, string> = {}) {
  const lines: string[] = [];
  const config = loadShipConfig({
    RUN_ID,
    VARIATION: "1",
    REPO_URL: `file://${bare}`,
    SHIP_BRANCH: "agent/greet-comma",
    SHIP_PATCH: PATCH,
    SHIP_AUTHOR_NAME: "Ada Agent",
    SHIP_AUTHOR_EMAIL: "ada@example.com",
    AGENT_WORKDIR: workdir,
    ALLOW_FILE_REPOS: "true",
    ...overrides,
  });
  const exitCode = await runShip({ config, emit: createEmitter({ variation: 1, write: (t) => lines.push(t) }) });
  return { exitCode, events: lines.map((l) => AgentEvent.parse(JSON.parse(l))) };
}

describe("ship mode", () => {
  it("creates the branch on the remote with one commit carrying the patch, the author and the run", async () => {
    const { exitCode, events } = await ship({ SHIP_TITLE: "Greet with a comma" });
    expect(exitCode).toBe(0);
    const shipped = events.at(-1);
    expect(shipped).toMatchObject({ type: "shipped", branch: "agent/greet-comma", base: "main", repo_url: `file://${bare}` });
    const commit = (shipped as { commit: string }).commit;
    expect(gitIn(bare, "rev-parse", "refs/heads/agent/greet-comma")).toBe(commit);
    expect(gitIn(bare, "rev-list", "--count", "main..agent/greet-comma")).toBe("1");
    expect(gitIn(bare, "log", "-1", "--format=%an <%ae>|%cn|%s|%b", commit)).toBe(
      `Ada Agent <ada@example.com>|Ada Agent|Greet with a comma|Proposed by threads-agent run ${RUN_ID}, variation 1.`,
    );
    expect(gitIn(bare, "show", `${commit}:src/greet.js`)).toContain("'Hello, ' + name + '!'");
    expect(gitIn(bare, "rev-parse", "main")).toBe(gitIn(source.dir, "rev-parse", "HEAD"));
  });

  it("refuses a branch that already exists on the remote, and leaves it alone", async () => {
    const before = gitIn(bare, "rev-parse", "refs/heads/agent/greet-comma");
    const { exitCode, events } = await ship();
    expect(exitCode).toBe(2);
    expect(events.at(-1)).toMatchObject({
      type: "error",
      code: "branch_exists",
      message: `branch agent/greet-comma already exists on file://${bare}; choose another SHIP_BRANCH`,
    });
    expect(gitIn(bare, "rev-parse", "refs/heads/agent/greet-comma")).toBe(before);
  });

  it.each([
    [
      { SHIP_BRANCH: "other", SHIP_PATCH: "--- a/missing.txt\n+++ b/missing.txt\n@@ -1 +1 @@\n-a\n+b\n" },
      "patch_does_not_apply",
      1,
      /does not apply to main/,
    ],
    [{ SHIP_BRANCH: "other", SHIP_PATCH: " \n" }, "empty_patch", 2, /nothing to ship/],
    [{ SHIP_BRANCH: "other", SHIP_BASE: "no-such-base" }, "clone_failed", 1, /no-such-base/],
    [{ SHIP_BRANCH: "other", REPO_URL: "https://example.org/a/b" }, "repo_refused", 2, /not on the allowlist/],
    [{ SHIP_BRANCH: "other", SHIP_TOKEN: "ghp_notusedforfileurls" }, "bad_config", 2, /SHIP_TOKEN authenticates https pushes/],
  ] as const)("fails clearly: %o", async (overrides, code, exit, message) => {
    const { exitCode, events } = await ship(overrides);
    expect(exitCode).toBe(exit);
    expect(events.at(-1)).toMatchObject({ type: "error", code, message: expect.stringMatching(message) });
    expect(() => gitIn(bare, "rev-parse", "--verify", "--quiet", "refs/heads/other")).toThrow();
  });

  it("reads the patch from SHIP_PATCH_FILE", async () => {
    const file = path.join(workdir, "change.diff");
    writeFileSync(file, PATCH);
    const { exitCode, events } = await ship({ SHIP_BRANCH: "agent/from-file", SHIP_PATCH: "", SHIP_PATCH_FILE: file });
    expect(exitCode).toBe(0);
    expect(events.at(-1)).toMatchObject({ type: "shipped", branch: "agent/from-file" });
  });

  it.each([
    [{ SHIP_BRANCH: "-rf" }, "SHIP_BRANCH"],
    [{ SHIP_BRANCH: "a/../b" }, "SHIP_BRANCH"],
    [{ SHIP_BRANCH: "x.lock" }, "SHIP_BRANCH"],
    [{ SHIP_PATCH: "" }, "SHIP_PATCH"],
    [{ SHIP_PATCH_FILE: "/tmp/x" }, "SHIP_PATCH"],
  ])("refuses bad settings before doing anything: %o names %s", (overrides, variable) => {
    expect(() =>
      loadShipConfig({ RUN_ID, VARIATION: "0", REPO_URL: "https://github.com/a/b", SHIP_BRANCH: "ok", SHIP_PATCH: "x", ...overrides }),
    ).toThrow(new RegExp(`${variable}: `));
  });

  it("passes a push token to git only through its environment, never in its arguments or the URL", () => {
    const check = checkRepoUrl("https://github.com/acme/widgets.git", { allowedHosts: ["github.com"], fileRoots: [] });
    if (!check.ok) throw new Error(check.message);
    const token = "ghp_supersecrettoken123";
    const access = remoteAccess(check.repo, "/w/home", ["140.82.112.3"], { token });
    const clone = cloneCommand(check.repo, "/w/repo", ["140.82.112.3"], { auth: { token } });
    expect(JSON.stringify([access.config, clone.args])).not.toContain(token);
    expect(access.env.TA_PUSH_TOKEN).toBe(token);
    expect(access.env.GIT_CONFIG_VALUE_1).toMatch(/^!f\(\) \{ test "\$1" = get && printf .*"\$TA_PUSH_TOKEN"; \}; f$/);
    expect(clone.env.TA_PUSH_TOKEN).toBe(token);
  });

  it("as a process: AGENT_MODE=ship with a bad setting exits 2 with an error event that does not print the token", async () => {
    const token = "ghp_neverprintthisvalue42";
    const result = await promisify(execFile)(process.execPath, [path.join(import.meta.dirname, "..", "main.ts")], {
      env: {
        PATH: process.env.PATH,
        AGENT_MODE: "ship",
        RUN_ID,
        VARIATION: "0",
        REPO_URL: "https://github.com/a/b",
        SHIP_TOKEN: token,
        SHIP_PATCH: PATCH,
      },
    }).catch((err: { code: number; stdout: string; stderr: string }) => err);
    expect((result as { code?: number }).code).toBe(2);
    expect(result.stdout + result.stderr).not.toContain(token);
    const event = AgentEvent.parse(JSON.parse(result.stdout.trim().split("\n").at(-1) ?? "{}"));
    expect(event).toMatchObject({ type: "error", code: "bad_config", message: expect.stringMatching(/SHIP_BRANCH/) });
  });
});
