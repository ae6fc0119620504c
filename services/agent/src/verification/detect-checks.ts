// Which of the repository's own checks verify a change, read from its build files: the command a
// contributor would run before opening a pull request.
import { accessSync, constants } from "node:fs";
import path from "node:path";

export type CheckSpec = {
  /** `test`, `lint`, or `check` for an explicit AGENT_CHECK_COMMAND. */
  name: string;
  /** The command as shown to the user. */
  command: string;
  /** What `sh -c` runs (usually the same). */
  shell: string;
  /** Anything the user should know about how it was chosen ("pnpm is not installed; ran the script with npm"). */
  note: string | null;
};

/** Where the checks came from, in words, and why there are none when there are none. */
export type CheckPlan = { checks: CheckSpec[]; source: string; skipped: string | null };

/** What detection reads of the checkout (ProjectFacts provides it). */
export type CheckoutFiles = { has(path: string): boolean; text(path: string): string | null };

/** Whether an executable is on PATH (the agent image may lack a package manager the lockfile names). */
export function onPath(program: string, pathVar = process.env.PATH ?? ""): boolean {
  return pathVar
    .split(path.delimiter)
    .filter(Boolean)
    .some((dir) => {
      try {
        accessSync(path.join(dir, program), constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
}

// What `npm init` writes: a test script that only says there are no tests.
const NPM_PLACEHOLDER = /no test specified/;

function nodeChecks(files: CheckoutFiles, available: (p: string) => boolean): CheckSpec[] | null {
  const text = files.text("package.json");
  if (text === null) return null;
  let pkg: { scripts?: Record<string, unknown>; packageManager?: unknown };
  try {
    pkg = JSON.parse(text);
  } catch {
    return null;
  }
  const scripts = pkg.scripts ?? {};
  const declared = typeof pkg.packageManager === "string" ? pkg.packageManager.split("@")[0] : undefined;
  const locked = files.has("pnpm-lock.yaml")
    ? "pnpm"
    : files.has("yarn.lock")
      ? "yarn"
      : files.has("bun.lock") || files.has("bun.lockb")
        ? "bun"
        : files.has("package-lock.json")
          ? "npm"
          : undefined;
  const wanted = locked ?? (declared && ["pnpm", "yarn", "bun", "npm"].includes(declared) ? declared : "npm");
  const pm = available(wanted) ? wanted : "npm";
  const note = pm === wanted ? null : `${wanted} (from the lockfile) is not installed in the agent image; ran the script with npm`;
  const run = (script: string) => (pm === "bun" ? `bun run ${script}` : script === "test" ? `${pm} test` : `${pm} run ${script}`);
  const checks: CheckSpec[] = [];
  for (const script of ["test", "lint"]) {
    const body = scripts[script];
    if (typeof body !== "string" || !body.trim() || (script === "test" && NPM_PLACEHOLDER.test(body))) continue;
    checks.push({ name: script, command: run(script), shell: run(script), note });
  }
  return checks.length ? checks : null;
}

function pythonChecks(files: CheckoutFiles, available: (p: string) => boolean): CheckSpec[] | null {
  const pyproject = files.text("pyproject.toml") ?? "";
  const setupCfg = files.text("setup.cfg") ?? "";
  const tox = files.text("tox.ini") ?? "";
  const usesPytest =
    /\[tool\.pytest|pytest/.test(pyproject) ||
    files.has("pytest.ini") ||
    files.has("conftest.py") ||
    /\[tool:pytest\]/.test(setupCfg) ||
    /\[pytest\]/.test(tox) ||
    ((files.has("pyproject.toml") || files.has("setup.py") || files.has("requirements.txt")) && files.has("tests"));
  if (!usesPytest) return null;
  const shell = available("pytest") ? "pytest" : "python3 -m pytest";
  return [{ name: "test", command: "pytest", shell, note: null }];
}

function makeTargets(text: string): Set<string> {
  return new Set([...text.matchAll(/^([A-Za-z0-9_.-]+)\s*:(?!=)/gm)].map((m) => m[1] as string));
}

/**
 * The checks to run: AGENT_CHECK_COMMAND when given; else the first of package.json `test` (and
 * `lint`) scripts with the lockfile's package manager, pytest, `go test ./...`, `cargo test`, a
 * Makefile `test` target.
 */
export function detectChecks(
  files: CheckoutFiles,
  options: { explicit?: string | undefined; available?: (program: string) => boolean } = {},
): CheckPlan {
  const explicit = options.explicit?.trim();
  if (explicit)
    return { checks: [{ name: "check", command: explicit, shell: explicit, note: null }], source: "AGENT_CHECK_COMMAND", skipped: null };
  const available = options.available ?? ((p: string) => onPath(p));

  const node = nodeChecks(files, available);
  if (node) return { checks: node, source: "package.json scripts", skipped: null };
  const python = pythonChecks(files, available);
  if (python) return { checks: python, source: "pytest configuration", skipped: null };
  if (files.has("go.mod"))
    return { checks: [{ name: "test", command: "go test ./...", shell: "go test ./...", note: null }], source: "go.mod", skipped: null };
  if (files.has("Cargo.toml"))
    return { checks: [{ name: "test", command: "cargo test", shell: "cargo test", note: null }], source: "Cargo.toml", skipped: null };
  const makefile = files.text("Makefile") ?? files.text("makefile") ?? files.text("GNUmakefile");
  if (makefile && makeTargets(makefile).has("test"))
    return { checks: [{ name: "test", command: "make test", shell: "make test", note: null }], source: "Makefile", skipped: null };
  return {
    checks: [],
    source: "none",
    skipped:
      "no checks found (no package.json test script, pytest setup, go.mod, Cargo.toml or Makefile test target); set AGENT_CHECK_COMMAND to name one",
  };
}
