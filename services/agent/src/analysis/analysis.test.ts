import { describe, expect, it } from "vitest";
import { chooseProposal } from "../proposal.ts";
import { languageOf } from "./languages.ts";
import { projectFacts } from "./project.ts";
import { findTodos } from "./todos.ts";
import type { RepoFile, RepoWalk } from "./walk.ts";

const file = (path: string, text: string | null = ""): RepoFile => ({ path, size: text?.length ?? 0, text });
const walk = (files: RepoFile[]): RepoWalk => ({ files, skippedDirs: [], truncated: false });

const project = walk([
  file("README.md", "# shop\n"),
  file("package.json", JSON.stringify({ scripts: { test: "vitest run", lint: "biome check ." } })),
  file("pnpm-lock.yaml", "lockfileVersion: 9\n"),
  file("src/index.ts", "export const a = 1; // TODO: configurable\n// FIXME(jo): rounding\nconst TODO_LIST = [];\n"),
  file("src/util/strings.ts", "export const x = 1;\n"),
  file("tools/gen.py", "# XXX remove before release\nprint(1)\n"),
  file("logo.png", null),
]);

describe("offline analysis", () => {
  it("names languages by extension and well-known file names", () => {
    expect(languageOf("src/a.tsx")).toBe("TypeScript");
    expect(languageOf("Dockerfile")).toBe("Dockerfile");
    expect(languageOf("build/Makefile")).toBe("Makefile");
    expect(languageOf("LICENSE")).toBeNull();
  });

  it("finds TODO-style markers in comments with file and line, ignoring identifiers", () => {
    expect(findTodos(project.files)).toEqual([
      { path: "src/index.ts", line: 1, tag: "TODO", text: "configurable" },
      { path: "src/index.ts", line: 2, tag: "FIXME", text: "rounding" },
      { path: "tools/gen.py", line: 1, tag: "XXX", text: "remove before release" },
    ]);
  });

  it("derives the main language, the outline and the project's commands", () => {
    const facts = projectFacts("shop", project);
    expect(facts.mainLanguage).toBe("TypeScript");
    expect(facts.ecosystems).toEqual(["node"]);
    expect(facts.commands).toEqual({ install: "pnpm install", build: undefined, test: "pnpm test", lint: "pnpm run lint" });
    expect(facts.outline).toEqual([
      "src/ (2 files)",
      "  util/ (1 file)",
      "tools/ (1 file)",
      "README.md",
      "logo.png",
      "package.json",
      "pnpm-lock.yaml",
    ]);
  });

  it("chooses a change deterministically, following the prompt at low temperature", () => {
    const facts = projectFacts("shop", project);
    const input = { prompt: "collect the TODO and FIXME markers", temperature: 0, variation: 0, model: "offline" };
    const first = chooseProposal(facts, input);
    expect(first?.proposal.id).toBe("todo-index");
    expect(chooseProposal(facts, input)).toEqual(first);
    expect(chooseProposal(facts, { ...input, prompt: "add CI that runs the tests" })?.proposal.id).toBe("ci-workflow");
    // "ci" is matched as a word: "specific" does not ask for CI.
    const scores = chooseProposal(facts, { ...input, prompt: "be specific" })?.considered;
    expect(scores?.find((c) => c.id === "ci-workflow")?.relevance).toBe(0);
  });

  it("ranks candidates so they differ even when the prompt names none of them, best first, with the fit as confidence", () => {
    const facts = projectFacts("shop", project);
    const choice = chooseProposal(facts, { prompt: "improve it", temperature: 0, variation: 0, model: "offline" });
    const fits = choice?.considered.map((c) => c.fit) ?? [];
    expect(fits.length).toBeGreaterThan(2);
    expect(new Set(fits).size).toBe(fits.length);
    expect([...fits].sort((a, b) => b - a)).toEqual(fits);
    // Tests exist and nothing runs them: CI is what this repository lacks most.
    expect(choice?.considered[0]?.id).toBe("ci-workflow");
    expect(choice?.proposal.id).toBe("ci-workflow");
    expect(choice?.confidence).toBe(choice?.considered[0]?.fit);
  });

  it("explores different changes across variations at high temperature", () => {
    const facts = projectFacts("shop", project);
    const picks = new Set(
      Array.from(
        { length: 12 },
        (_, variation) => chooseProposal(facts, { prompt: "improve it", temperature: 1.5, variation, model: "offline" })?.proposal.id,
      ),
    );
    expect(picks.size).toBeGreaterThan(2);
  });
});
