import { createHash } from "node:crypto";
import { NON_CODE } from "./analysis/languages.ts";
import type { ProjectFacts } from "./analysis/project.ts";
import type { FileEdit } from "./unified-diff.ts";

/** A change the offline analysis can propose, built from the checkout's real files. */
export type Proposal = { id: string; title: string; rationale: string; edits: FileEdit[] };

/**
 * `need` says how much the repository lacks what the change adds (0-1), from its files alone, so
 * candidates rank differently even when the prompt names none of them.
 */
type Candidate = { id: string; keywords: string[]; need: (facts: ProjectFacts) => number; build: (facts: ProjectFacts) => Proposal | null };

const bullet = (s: string) => `- ${s}`;

function commandLines(facts: ProjectFacts): string[] {
  const c = facts.commands;
  return [
    c.install && `Install dependencies: \`${c.install}\``,
    c.build && `Build: \`${c.build}\``,
    c.test && `Run the tests: \`${c.test}\``,
    c.lint && `Lint: \`${c.lint}\``,
  ].filter((s): s is string => Boolean(s));
}

/** Every programming language with its share of the code's lines (data and docs formats are not languages here). */
function languageLine(facts: ProjectFacts): string {
  const code = facts.languages.filter((l) => !NON_CODE.has(l.language));
  const total = code.reduce((n, l) => n + l.lines, 0) || 1;
  return code.map((l) => `${l.language} (${Math.round((100 * l.lines) / total)}%, ${l.files} file${l.files === 1 ? "" : "s"})`).join(", ");
}

const CANDIDATES: Candidate[] = [
  {
    id: "todo-index",
    keywords: ["todo", "fixme", "debt", "cleanup", "clean up", "backlog", "hack"],
    // Worth more the more markers there are; ten or more is as scattered as it gets.
    need: (facts) => 0.1 + 0.8 * Math.min(1, facts.todos.length / 10),
    build: (facts) => {
      if (facts.todos.length === 0) return null;
      const path = facts.has("TODO.md") ? "docs/TODO-index.md" : "TODO.md";
      if (facts.has(path)) return null;
      const byFile = new Map<string, string[]>();
      for (const t of facts.todos) {
        const list = byFile.get(t.path) ?? [];
        list.push(`- [ ] ${t.tag} at line ${t.line}${t.text ? `: ${t.text}` : ""}`);
        byFile.set(t.path, list);
      }
      const body = [
        "# Open TODO markers",
        "",
        `Collected from the source tree: ${facts.todos.length} marker${facts.todos.length === 1 ? "" : "s"} in ${byFile.size} file${byFile.size === 1 ? "" : "s"}.`,
        "Tick one off by resolving it in code and deleting the marker.",
        "",
        ...[...byFile.entries()].flatMap(([file, items]) => [`## ${file}`, "", ...items, ""]),
      ];
      return {
        id: "todo-index",
        title: `Index the ${facts.todos.length} TODO/FIXME markers in ${path}`,
        rationale: "scattered markers are invisible in review; one checklist makes the debt plannable",
        edits: [{ path, before: null, after: `${body.join("\n").trimEnd()}\n` }],
      };
    },
  },
  {
    id: "readme-map",
    keywords: ["readme", "doc", "document", "onboard", "overview", "explain", "understand", "layout", "structure"],
    // No README at all is the biggest gap; a short one still leaves newcomers guessing.
    need: (facts) => {
      const readme = ["README.md", "readme.md", "Readme.md"].map((p) => facts.text(p)).find((t) => t !== null);
      if (readme === undefined || readme === null) return 0.9;
      return readme.split("\n").length < 20 ? 0.6 : 0.3;
    },
    build: (facts) => {
      const readme = ["README.md", "readme.md", "Readme.md"].find((p) => facts.text(p) !== null);
      const section = [
        "## Repository map",
        "",
        ...(facts.languages.some((l) => !NON_CODE.has(l.language)) ? [`Languages: ${languageLine(facts)}.`, ""] : []),
        "```",
        ...facts.outline,
        "```",
        ...(commandLines(facts).length ? ["", "### Working on it", "", ...commandLines(facts).map(bullet)] : []),
        "",
      ].join("\n");
      if (readme) {
        const before = facts.text(readme) as string;
        if (before.includes("## Repository map")) return null;
        const after = `${before}${before.endsWith("\n") ? "" : "\n"}\n${section}`;
        return {
          id: "readme-map",
          title: `Add a repository map to ${readme}`,
          rationale: "a newcomer sees the layout, languages and commands before reading any code",
          edits: [{ path: readme, before, after }],
        };
      }
      return {
        id: "readme-map",
        title: "Write a README with the repository map",
        rationale: "the repository has no README; this one is generated from its actual layout",
        edits: [{ path: "README.md", before: null, after: `# ${facts.name}\n\n${section}` }],
      };
    },
  },
  {
    id: "contributing",
    keywords: ["contribut", "onboard", "setup", "set up", "getting started", "develop", "workflow"],
    need: (facts) => 0.1 + 0.12 * commandLines(facts).length,
    build: (facts) => {
      if (facts.has("CONTRIBUTING.md") || facts.has(".github/CONTRIBUTING.md")) return null;
      const commands = commandLines(facts);
      if (commands.length === 0) return null;
      const body = [
        `# Contributing to ${facts.name}`,
        "",
        "## Local setup",
        "",
        ...commands.map(bullet),
        "",
        "## Before opening a pull request",
        "",
        ...[facts.commands.test && `\`${facts.commands.test}\` passes`, facts.commands.lint && `\`${facts.commands.lint}\` is clean`]
          .filter((s): s is string => Boolean(s))
          .map(bullet),
        bullet("the change is described in the pull request, with how you tested it"),
        "",
      ];
      return {
        id: "contributing",
        title: "Add CONTRIBUTING.md with the project's real commands",
        rationale: "the commands are already in the build files; writing them down saves every contributor the search",
        edits: [{ path: "CONTRIBUTING.md", before: null, after: body.join("\n") }],
      };
    },
  },
  {
    id: "ci-workflow",
    keywords: ["ci", "continuous", "test", "pipeline", "github actions", "automat", "check", "build"],
    // Tests that nothing runs are the most valuable thing to wire up.
    need: (facts) => (facts.commands.test ? 0.7 : 0.2) + (facts.commands.lint ? 0.1 : 0),
    build: (facts) => {
      if (facts.has(".github/workflows") || facts.has(".gitlab-ci.yml")) return null;
      const setup: Record<string, string[]> = {
        node: ["      - uses: actions/setup-node@v4", "        with:", "          node-version: 22"],
        python: ["      - uses: actions/setup-python@v5", "        with:", '          python-version: "3.12"'],
        go: ["      - uses: actions/setup-go@v5", "        with:", "          go-version-file: go.mod"],
        rust: ["      - uses: dtolnay/rust-toolchain@stable"],
        java: ["      - uses: actions/setup-java@v4", "        with:", "          distribution: temurin", '          java-version: "21"'],
        ruby: ["      - uses: ruby/setup-ruby@v1", "        with:", "          bundler-cache: true"],
      };
      const ecosystem = facts.ecosystems[0];
      const { install, build, test, lint } = facts.commands;
      if (!ecosystem || !test) return null;
      const steps = [install, lint, build, test].filter((s): s is string => Boolean(s)).map((cmd) => `      - run: ${cmd}`);
      const body = [
        "name: ci",
        "on:",
        "  push:",
        "    branches: [main]",
        "  pull_request:",
        "jobs:",
        "  test:",
        "    runs-on: ubuntu-latest",
        "    steps:",
        "      - uses: actions/checkout@v4",
        ...(setup[ecosystem] ?? []),
        ...steps,
        "",
      ];
      return {
        id: "ci-workflow",
        title: `Run the ${ecosystem} tests on every push with GitHub Actions`,
        rationale: `\`${test}\` exists but nothing runs it automatically`,
        edits: [{ path: ".github/workflows/ci.yml", before: null, after: body.join("\n") }],
      };
    },
  },
  {
    id: "editorconfig",
    keywords: ["format", "style", "indent", "editor", "consisten", "whitespace", "lint"],
    need: (facts) => 0.15 + 0.05 * Math.min(3, facts.languages.filter((l) => !NON_CODE.has(l.language)).length),
    build: (facts) => {
      if (facts.has(".editorconfig")) return null;
      const fourSpaces = new Set(["Python", "Java", "Kotlin", "C#", "Rust", "PHP", "Scala"]);
      const sections = facts.languages
        .filter((l) => fourSpaces.has(l.language))
        .map((l) => l.language)
        .slice(0, 3);
      const ext: Record<string, string> = {
        Python: "py",
        Java: "java",
        Kotlin: "{kt,kts}",
        "C#": "cs",
        Rust: "rs",
        PHP: "php",
        Scala: "scala",
      };
      const body = [
        "root = true",
        "",
        "[*]",
        "charset = utf-8",
        "end_of_line = lf",
        "insert_final_newline = true",
        "trim_trailing_whitespace = true",
        "indent_style = space",
        "indent_size = 2",
        ...sections.flatMap((l) => ["", `[*.${ext[l]}]`, "indent_size = 4"]),
        ...(facts.languages.some((l) => l.language === "Go") ? ["", "[*.go]", "indent_style = tab"] : []),
        ...(facts.has("Makefile") ? ["", "[Makefile]", "indent_style = tab"] : []),
        "",
        "[*.md]",
        "trim_trailing_whitespace = false",
        "",
      ];
      return {
        id: "editorconfig",
        title: "Add an .editorconfig matching the languages in use",
        rationale: "editors then agree on indentation and line endings without anyone configuring them",
        edits: [{ path: ".editorconfig", before: null, after: body.join("\n") }],
      };
    },
  },
];

/** Word-start match; short keywords ("ci") must be whole words so "specific" does not count. */
function mentions(text: string, keyword: string): boolean {
  const escaped = keyword.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`\\b${escaped}${keyword.length <= 3 ? "\\b" : ""}`).test(text);
}

/** Deterministic [0, 1) numbers from a seed (mulberry32 over a SHA-256 of the inputs). */
export function seededRandom(...parts: (string | number)[]): () => number {
  let state = createHash("sha256").update(parts.join("\u0000")).digest().readUInt32LE(0);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A candidate as the log shows it: fit = 0.65 × relevance to the prompt + 0.35 × the repository's need. */
export type Considered = { id: string; fit: number; relevance: number; need: number };
export type Choice = { proposal: Proposal; considered: Considered[]; confidence: number };

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * Ranks every applicable change by fit: how well the prompt asks for it (keyword matches, two or
 * more is a full match) and how much the repository needs it. Ties are broken by the candidates'
 * fixed order and shown a hundredth apart, so the ranking always says which comes first. Then one
 * is sampled with a softmax at the variation's temperature: at low temperature the best fit wins,
 * higher ones explore. Seeded by the prompt, model, temperature and variation, so a variation is
 * reproducible and two variations usually differ. The chosen change's fit is the agent's confidence.
 */
export function chooseProposal(
  facts: ProjectFacts,
  input: { prompt: string; temperature: number; variation: number; model: string },
): Choice | null {
  const prompt = input.prompt.toLowerCase();
  const applicable = CANDIDATES.map((c) => ({ candidate: c, proposal: c.build(facts) })).filter(
    (c): c is { candidate: Candidate; proposal: Proposal } => c.proposal !== null,
  );
  if (applicable.length === 0) return null;
  const scored = applicable
    .map((c, order) => {
      const relevance = round2(Math.min(1, c.candidate.keywords.filter((k) => mentions(prompt, k)).length / 2));
      const need = round2(Math.min(1, Math.max(0, c.candidate.need(facts))));
      return { ...c, order, relevance, need, fit: round2(0.65 * relevance + 0.35 * need) };
    })
    .sort((a, b) => b.fit - a.fit || a.order - b.order);
  for (let i = 1; i < scored.length; i++) {
    const prev = scored[i - 1] as (typeof scored)[number];
    const cur = scored[i] as (typeof scored)[number];
    if (cur.fit >= prev.fit) cur.fit = round2(Math.max(0, prev.fit - 0.01));
  }
  const t = Math.max(input.temperature, 0.05);
  // A fit difference of 0.1 is a factor e^2 at temperature 0.2 and e^0.27 at 1.5.
  const weights = scored.map((s) => Math.exp((4 * s.fit) / t));
  const total = weights.reduce((a, b) => a + b, 0);
  let pick = seededRandom(input.prompt, input.model, input.temperature, input.variation)() * total;
  let chosen = scored[scored.length - 1] as (typeof scored)[number];
  for (let i = 0; i < scored.length; i++) {
    pick -= weights[i] as number;
    if (pick < 0) {
      chosen = scored[i] as (typeof scored)[number];
      break;
    }
  }
  return {
    proposal: chosen.proposal,
    considered: scored.map((s) => ({ id: s.candidate.id, fit: s.fit, relevance: s.relevance, need: s.need })),
    confidence: chosen.fit,
  };
}
