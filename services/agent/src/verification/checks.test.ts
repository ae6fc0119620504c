import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { verificationSetting } from "../config.ts";
import { type CheckoutFiles, detectChecks } from "./detect-checks.ts";
import { runCheck } from "./run-check.ts";

const files = (map: Record<string, string>): CheckoutFiles => ({
  has: (p) => p in map || Object.keys(map).some((k) => k.startsWith(`${p}/`)),
  text: (p) => map[p] ?? null,
});
const pkg = (scripts: Record<string, string>, extra: Record<string, unknown> = {}) => JSON.stringify({ name: "x", scripts, ...extra });

describe("detectChecks", () => {
  const all = () => true;
  it.each([
    [
      "package.json test and lint with npm",
      { "package.json": pkg({ test: "node --test", lint: "eslint ." }) },
      ["test: npm test", "lint: npm run lint"],
    ],
    ["the lockfile's package manager", { "package.json": pkg({ test: "vitest run" }), "pnpm-lock.yaml": "" }, ["test: pnpm test"]],
    ["yarn", { "package.json": pkg({ test: "jest" }), "yarn.lock": "" }, ["test: yarn test"]],
    ["bun runs the script, not its own runner", { "package.json": pkg({ test: "vitest" }), "bun.lock": "" }, ["test: bun run test"]],
    [
      "packageManager when there is no lockfile",
      { "package.json": pkg({ test: "vitest" }, { packageManager: "pnpm@10.1.0" }) },
      ["test: pnpm test"],
    ],
    [
      "npm init's placeholder is no test",
      { "package.json": pkg({ test: 'echo "Error: no test specified" && exit 1' }), "go.mod": "module x" },
      ["test: go test ./..."],
    ],
    ["pytest from pyproject", { "pyproject.toml": "[tool.pytest.ini_options]\n", "src/a.py": "" }, ["test: pytest"]],
    ["pytest from a tests directory", { "requirements.txt": "", "tests/test_a.py": "" }, ["test: pytest"]],
    ["cargo", { "Cargo.toml": "[package]" }, ["test: cargo test"]],
    ["a Makefile test target", { Makefile: "build:\n\tcc a.c\ntest: build\n\t./a\n" }, ["test: make test"]],
  ])("%s", (_name, map, expected) => {
    const plan = detectChecks(files(map), { available: all });
    expect(plan.checks.map((c) => `${c.name}: ${c.command}`)).toEqual(expected);
    expect(plan.skipped).toBeNull();
  });

  it("falls back to npm when the lockfile's package manager is not installed, and says so", () => {
    const plan = detectChecks(files({ "package.json": pkg({ test: "vitest run" }), "pnpm-lock.yaml": "" }), {
      available: (p) => p !== "pnpm",
    });
    expect(plan.checks[0]).toMatchObject({
      command: "npm test",
      note: "pnpm (from the lockfile) is not installed in the agent image; ran the script with npm",
    });
  });

  it("runs python3 -m pytest when there is no pytest program", () => {
    expect(detectChecks(files({ "pytest.ini": "" }), { available: () => false }).checks[0]).toMatchObject({
      command: "pytest",
      shell: "python3 -m pytest",
    });
  });

  it("an explicit AGENT_CHECK_COMMAND wins; nothing found says what to set", () => {
    expect(detectChecks(files({ "package.json": pkg({ test: "x" }) }), { explicit: " make ci ", available: all }).checks).toEqual([
      { name: "check", command: "make ci", shell: "make ci", note: null },
    ]);
    const none = detectChecks(files({ "README.md": "" }), { available: all });
    expect(none.checks).toEqual([]);
    expect(none.skipped).toMatch(/set AGENT_CHECK_COMMAND/);
  });
});

describe("runCheck", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ta-check-"));
  const home = mkdtempSync(path.join(tmpdir(), "ta-check-home-"));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });
  const spec = (shell: string) => ({ name: "test", command: shell, shell, note: null });

  it("passes and fails by exit code, with the runner's counts parsed from its output", async () => {
    writeFileSync(
      path.join(dir, "t.test.mjs"),
      "import test from 'node:test';\ntest('a', () => {});\ntest('b', () => { throw new Error('no'); });\n",
    );
    const failed = await runCheck(spec(`${process.execPath} --test t.test.mjs`), { cwd: dir, home, timeoutMs: 60_000 });
    expect(failed).toMatchObject({ status: "failed", exit_code: 1, tests: { passed: 1, failed: 1, failing: ["b"] }, note: null });
    expect(failed.output_tail).toMatch(/fail 1/);
    const passed = await runCheck(spec("true"), { cwd: dir, home, timeoutMs: 60_000 });
    expect(passed).toMatchObject({ status: "passed", exit_code: 0, tests: null });
  });

  it("does not hand the agent's environment (model keys) to the repository's code", async () => {
    process.env.OPENAI_API_KEY_FOR_THIS_TEST = "sk-must-not-leak";
    try {
      const result = await runCheck(spec("env"), { cwd: dir, home, timeoutMs: 60_000 });
      expect(result.output_tail).not.toContain("sk-must-not-leak");
      expect(result.output_tail).toMatch(/^CI=true$/m);
    } finally {
      delete process.env.OPENAI_API_KEY_FOR_THIS_TEST;
    }
  });

  it("a program that is not installed makes the check unavailable, not failed", async () => {
    const result = await runCheck(spec("no-such-test-runner --run"), { cwd: dir, home, timeoutMs: 60_000 });
    expect(result).toMatchObject({ status: "unavailable", exit_code: 127 });
    expect(result.note).toMatch(/^no-such-test-runner is not installed/);
  });

  it("on timeout kills the whole process group, background children included", async () => {
    const pidFile = path.join(dir, "child.pid");
    // A child in the background that would outlive its parent, and a parent that never ends.
    const result = await runCheck(spec(`sh -c 'sleep 300 & echo $! > ${pidFile}; wait'`), { cwd: dir, home, timeoutMs: 1000 });
    expect(result.status).toBe("timed_out");
    expect(result.note).toMatch(/timed out after 1 s \(AGENT_CHECK_TIMEOUT_SECONDS\)/);
    const pid = Number(readFileSync(pidFile, "utf8"));
    const alive = existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
    expect(alive).toBe(false);
  });

  it("keeps only the tail of a flood of output, and counts it all", async () => {
    const result = await runCheck(spec(`${process.execPath} -e "for (let i = 0; i < 200000; i++) console.log('line ' + i)"`), {
      cwd: dir,
      home,
      timeoutMs: 60_000,
    });
    expect(result.output_bytes).toBeGreaterThan(2_000_000);
    expect(result.output_tail.length).toBeLessThanOrEqual(4000);
    expect(result.output_tail.endsWith("line 199999")).toBe(true);
  });
});

describe("verificationSetting", () => {
  it.each([
    ["auto", undefined, "file", true],
    ["auto", "10.96.0.1", "https", true],
    ["auto", undefined, "https", false],
    ["auto", undefined, "ssh", false],
    ["true", undefined, "https", true],
    ["false", "10.96.0.1", "file", false],
  ] as const)("AGENT_VERIFY=%s, KUBERNETES_SERVICE_HOST=%s, %s repository: %s", (value, host, kind, on) => {
    const setting = verificationSetting({ AGENT_VERIFY: value, KUBERNETES_SERVICE_HOST: host }, kind);
    expect(setting.on).toBe(on);
    if (!setting.on) expect(setting.why).toMatch(/AGENT_VERIFY/);
  });
});
