import { type LanguageStat, languageStats, NON_CODE } from "./languages.ts";
import { findTodos, type TodoMarker } from "./todos.ts";
import { outline } from "./tree.ts";
import type { RepoWalk } from "./walk.ts";

export type Ecosystem = "node" | "python" | "go" | "rust" | "java" | "ruby";
export type Commands = { install?: string; build?: string; test?: string; lint?: string };

/** What the offline analysis knows about a checkout; everything below is derived from the files alone. */
export type ProjectFacts = {
  name: string;
  walk: RepoWalk;
  languages: LanguageStat[];
  mainLanguage: string | null;
  todos: TodoMarker[];
  outline: string[];
  ecosystems: Ecosystem[];
  commands: Commands;
  has(path: string): boolean;
  text(path: string): string | null;
};

function nodeCommands(pkgText: string, has: (p: string) => boolean): Commands {
  let scripts: Record<string, unknown> = {};
  try {
    scripts = (JSON.parse(pkgText) as { scripts?: Record<string, unknown> }).scripts ?? {};
  } catch {
    // A broken package.json still says "node"; there are just no scripts to offer.
  }
  const pm = has("pnpm-lock.yaml") ? "pnpm" : has("yarn.lock") ? "yarn" : "npm";
  const run = (name: string) => (typeof scripts[name] === "string" ? (name === "test" ? `${pm} test` : `${pm} run ${name}`) : undefined);
  const install = pm === "npm" ? (has("package-lock.json") ? "npm ci" : "npm install") : `${pm} install`;
  return { install, build: run("build"), test: run("test"), lint: run("lint") };
}

function makeTargets(text: string): Set<string> {
  return new Set([...text.matchAll(/^([A-Za-z0-9_.-]+):(?!=)/gm)].map((m) => m[1] as string));
}

export function projectFacts(name: string, walk: RepoWalk): ProjectFacts {
  const byPath = new Map(walk.files.map((f) => [f.path, f]));
  const has = (p: string) => byPath.has(p) || walk.files.some((f) => f.path.startsWith(`${p}/`));
  const text = (p: string) => byPath.get(p)?.text ?? null;

  const ecosystems: Ecosystem[] = [];
  let commands: Commands = {};
  if (byPath.has("package.json")) {
    ecosystems.push("node");
    commands = nodeCommands(text("package.json") ?? "{}", has);
  }
  if (byPath.has("pyproject.toml") || byPath.has("requirements.txt") || byPath.has("setup.py")) {
    ecosystems.push("python");
    commands.install ??= byPath.has("requirements.txt") ? "pip install -r requirements.txt" : "pip install -e .";
    commands.test ??= has("tests") || /pytest/.test(text("pyproject.toml") ?? "") ? "pytest" : undefined;
  }
  if (byPath.has("go.mod")) {
    ecosystems.push("go");
    commands.build ??= "go build ./...";
    commands.test ??= "go test ./...";
  }
  if (byPath.has("Cargo.toml")) {
    ecosystems.push("rust");
    commands.build ??= "cargo build";
    commands.test ??= "cargo test";
  }
  if (byPath.has("pom.xml")) {
    ecosystems.push("java");
    commands.build ??= "mvn -B package";
    commands.test ??= "mvn -B test";
  } else if (byPath.has("build.gradle") || byPath.has("build.gradle.kts")) {
    ecosystems.push("java");
    commands.build ??= "./gradlew build";
    commands.test ??= "./gradlew test";
  }
  if (byPath.has("Gemfile")) {
    ecosystems.push("ruby");
    commands.install ??= "bundle install";
    commands.test ??= "bundle exec rake test";
  }
  const make = text("Makefile");
  if (make) {
    const targets = makeTargets(make);
    for (const key of ["build", "test", "lint"] as const) if (targets.has(key)) commands[key] ??= `make ${key}`;
  }

  const languages = languageStats(walk.files);
  return {
    name,
    walk,
    languages,
    mainLanguage: languages.find((l) => !NON_CODE.has(l.language))?.language ?? null,
    todos: findTodos(walk.files),
    outline: outline(walk.files),
    ecosystems,
    commands,
    has,
    text,
  };
}
