// Test counts from what a runner printed. Each runner's summary is a documented, stable line
// format (and no library reads them all), so each gets a small parser here; the first format
// whose summary appears wins. Only counts the runner printed are reported: nothing is guessed.
import { MAX_FAILING_NAMES, type TestCounts } from "@threads-agent/contracts";

// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences are control characters
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007]*\u0007/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

const int = (s: string | undefined) => (s === undefined ? 0 : Number.parseInt(s, 10) || 0);

function unique(names: Iterable<string>): string[] {
  return [...new Set([...names].map((n) => n.trim()).filter(Boolean))].slice(0, MAX_FAILING_NAMES);
}

/** "3 failed, 2 passed, 1 skipped" or "1 failed | 2 passed": counts by word. */
function countsByWord(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of text.matchAll(/(\d+) ([a-z]+)/g)) counts.set(m[2] as string, (counts.get(m[2] as string) ?? 0) + int(m[1]));
  return counts;
}

/** `cargo test`: one "test result:" line per test binary, summed; failing tests as "test name ... FAILED". */
function cargo(text: string): TestCounts | null {
  const results = [...text.matchAll(/^test result: (?:ok|FAILED)\. (\d+) passed; (\d+) failed; (\d+) ignored/gm)];
  if (results.length === 0) return null;
  return {
    format: "cargo",
    passed: results.reduce((n, m) => n + int(m[1]), 0),
    failed: results.reduce((n, m) => n + int(m[2]), 0),
    skipped: results.reduce((n, m) => n + int(m[3]), 0),
    failing: unique([...text.matchAll(/^test (\S+) \.\.\. FAILED$/gm)].map((m) => m[1] as string)),
  };
}

/** pytest: the last "N failed, N passed, ... in 1.2s" line (with or without the === rule); errors count as failures. */
function pytest(text: string): TestCounts | null {
  const lines = [
    ...text.matchAll(/^=*\s*((?:\d+ (?:failed|passed|skipped|errors?|xfailed|xpassed|deselected|warnings?)(?:, )?)+) in [\d.]+s\b.*$/gm),
  ];
  const noTests = /^=*\s*no tests ran in [\d.]+s/m.test(text);
  const last = lines.at(-1);
  if (!last && !noTests) return null;
  const counts = countsByWord(last?.[1] ?? "");
  return {
    format: "pytest",
    passed: (counts.get("passed") ?? 0) + (counts.get("xpassed") ?? 0),
    failed: (counts.get("failed") ?? 0) + (counts.get("error") ?? 0) + (counts.get("errors") ?? 0),
    skipped: (counts.get("skipped") ?? 0) + (counts.get("xfailed") ?? 0),
    failing: unique([...text.matchAll(/^(?:FAILED|ERROR) (\S+)/gm)].map((m) => m[1] as string)),
  };
}

/** jest: "Tests:       1 failed, 2 passed, 3 total"; failing tests as "● Suite › name". */
function jest(text: string): TestCounts | null {
  const m = [...text.matchAll(/^Tests:\s+(.*\d+ total)\s*$/gm)].at(-1);
  if (!m) return null;
  const counts = countsByWord(m[1] as string);
  return {
    format: "jest",
    passed: counts.get("passed") ?? 0,
    failed: counts.get("failed") ?? 0,
    skipped: (counts.get("skipped") ?? 0) + (counts.get("todo") ?? 0),
    failing: unique([...text.matchAll(/^\s*● (.+ › .+)$/gm)].map((x) => x[1] as string)),
  };
}

/** vitest: "      Tests  1 failed | 2 passed (3)"; failing tests as " FAIL  file > suite > name" (or "× name"). */
function vitest(text: string): TestCounts | null {
  const m = [...text.matchAll(/^\s*Tests\s+((?:\d+ [a-z]+(?: \| )?)+)\s*\((\d+)\)\s*$/gm)].at(-1);
  if (!m) return null;
  const counts = countsByWord(m[1] as string);
  const tests = [...text.matchAll(/^\s*FAIL\s+(.+ > .+?)\s*$/gm)].map((x) => x[1] as string);
  const crosses = [...text.matchAll(/^\s*[×✗]\s+(.+?)(?:\s+\d+m?s)?\s*$/gm)].map((x) => x[1] as string);
  return {
    format: "vitest",
    passed: counts.get("passed") ?? 0,
    failed: counts.get("failed") ?? 0,
    skipped: (counts.get("skipped") ?? 0) + (counts.get("todo") ?? 0),
    failing: unique(tests.length ? tests : crosses),
  };
}

/** node:test's default (spec) reporter: "ℹ tests 5", "ℹ pass 3", "ℹ fail 2"; names under "✖ failing tests:". */
function nodeSpec(text: string): TestCounts | null {
  const stat = (name: string) => [...text.matchAll(new RegExp(`^ℹ ${name} (\\d+)$`, "gm"))].at(-1)?.[1];
  if (stat("tests") === undefined || stat("pass") === undefined) return null;
  const section = text.split(/^✖ failing tests:$/m)[1];
  const names = [...(section ?? text).matchAll(/^\s*✖ (.+?) \([\d.]+m?s\)\s*$/gm)].map((m) => m[1] as string);
  return {
    format: "node-spec",
    passed: int(stat("pass")),
    failed: int(stat("fail")) + int(stat("cancelled")),
    skipped: int(stat("skipped")) + int(stat("todo")),
    failing: unique(names),
  };
}

/** TAP (node --test-reporter=tap, tape, ...): "# pass N", "# fail N"; failing tests as "not ok N - name" without a SKIP/TODO directive. */
function tap(text: string): TestCounts | null {
  const stat = (name: string) => [...text.matchAll(new RegExp(`^# ${name} (\\d+)\\s*$`, "gm"))].at(-1)?.[1];
  if (stat("pass") === undefined && stat("fail") === undefined) return null;
  // A suite fails when a subtest does (node's TAP nests subtests by indentation): only the leaves are failing tests.
  const names: string[] = [];
  const failedBelow = new Map<number, boolean>();
  for (const m of text.matchAll(/^( *)(not ok|ok) \d+(?: - | )?(.*?)\s*$/gm)) {
    const depth = (m[1] as string).length;
    const failed = m[2] === "not ok" && !/#\s*(?:SKIP|TODO)\b/i.test(m[3] as string);
    const childFailed = [...failedBelow.entries()].some(([d, f]) => d > depth && f);
    for (const d of [...failedBelow.keys()]) if (d > depth) failedBelow.delete(d);
    if (failed && !childFailed) names.push(m[3] as string);
    failedBelow.set(depth, (failedBelow.get(depth) ?? false) || failed);
  }
  return {
    format: "tap",
    passed: int(stat("pass")),
    failed: int(stat("fail")) + int(stat("cancelled")),
    skipped: stat("skipped") === undefined && stat("todo") === undefined ? null : int(stat("skipped")) + int(stat("todo")),
    failing: unique(names),
  };
}

/**
 * go test: "--- FAIL: TestName (0.00s)" per failing test (top level; subtests are indented), and a
 * package that does not build as "FAIL <pkg> [build failed]". Passing tests are only listed with
 * -v, so `passed` is null without them.
 */
function goTest(text: string): TestCounts | null {
  const packageLines = /^(?:ok|FAIL|\?)\s+\S+\s+(?:[\d.]+s|\(cached\)|\[no test files\]|\[build failed\]|\[setup failed\])/m;
  const failing = [...text.matchAll(/^--- FAIL: (\S+)/gm)].map((m) => m[1] as string);
  if (!packageLines.test(text) && failing.length === 0) return null;
  const broken = [...text.matchAll(/^FAIL\s+(\S+)\s+\[(?:build|setup) failed\]/gm)].map((m) => `${m[1]} (build failed)`);
  const passes = [...text.matchAll(/^--- PASS: /gm)].length;
  const skips = [...text.matchAll(/^--- SKIP: /gm)].length;
  return {
    format: "go",
    passed: passes > 0 ? passes : null,
    failed: failing.length + broken.length,
    skipped: skips > 0 ? skips : null,
    failing: unique([...failing, ...broken]),
  };
}

/** Counts from the first runner summary found in `output`, or null when none is recognised. */
export function parseTestReport(output: string): TestCounts | null {
  const text = stripAnsi(output).replace(/\r\n?/g, "\n");
  for (const parse of [cargo, pytest, jest, vitest, nodeSpec, tap, goTest]) {
    const counts = parse(text);
    if (counts) return counts;
  }
  return null;
}
