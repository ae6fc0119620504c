import type { RepoFile } from "./walk.ts";

const BY_EXTENSION: Record<string, string> = {
  ts: "TypeScript",
  tsx: "TypeScript",
  mts: "TypeScript",
  cts: "TypeScript",
  js: "JavaScript",
  jsx: "JavaScript",
  mjs: "JavaScript",
  cjs: "JavaScript",
  py: "Python",
  rb: "Ruby",
  go: "Go",
  rs: "Rust",
  java: "Java",
  kt: "Kotlin",
  kts: "Kotlin",
  scala: "Scala",
  c: "C",
  h: "C",
  cc: "C++",
  cpp: "C++",
  cxx: "C++",
  hpp: "C++",
  cs: "C#",
  swift: "Swift",
  m: "Objective-C",
  php: "PHP",
  ex: "Elixir",
  exs: "Elixir",
  erl: "Erlang",
  hs: "Haskell",
  clj: "Clojure",
  lua: "Lua",
  r: "R",
  dart: "Dart",
  zig: "Zig",
  sh: "Shell",
  bash: "Shell",
  zsh: "Shell",
  ps1: "PowerShell",
  html: "HTML",
  css: "CSS",
  scss: "SCSS",
  vue: "Vue",
  svelte: "Svelte",
  sql: "SQL",
  proto: "Protocol Buffers",
  tf: "HCL",
  hcl: "HCL",
  nix: "Nix",
  md: "Markdown",
  rst: "reStructuredText",
  yaml: "YAML",
  yml: "YAML",
  json: "JSON",
  toml: "TOML",
  xml: "XML",
};
const BY_NAME: Record<string, string> = {
  Dockerfile: "Dockerfile",
  Makefile: "Makefile",
  Justfile: "Just",
  justfile: "Just",
  Jenkinsfile: "Groovy",
};
/** Languages that describe data or docs rather than the program; reported but never "the main language". */
export const NON_CODE = new Set(["Markdown", "reStructuredText", "YAML", "JSON", "TOML", "XML"]);

export type LanguageStat = { language: string; files: number; lines: number };

export function languageOf(filePath: string): string | null {
  const name = filePath.split("/").pop() ?? filePath;
  if (BY_NAME[name]) return BY_NAME[name];
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return null;
  return BY_EXTENSION[name.slice(dot + 1).toLowerCase()] ?? null;
}

export const countLines = (text: string) => (text === "" ? 0 : text.split("\n").length - (text.endsWith("\n") ? 1 : 0));

/** Files and lines per language, most lines first (ties by name, so the order is stable). */
export function languageStats(files: RepoFile[]): LanguageStat[] {
  const stats = new Map<string, LanguageStat>();
  for (const file of files) {
    const language = languageOf(file.path);
    if (!language) continue;
    const stat = stats.get(language) ?? { language, files: 0, lines: 0 };
    stat.files += 1;
    stat.lines += file.text ? countLines(file.text) : 0;
    stats.set(language, stat);
  }
  return [...stats.values()].sort((a, b) => b.lines - a.lines || a.language.localeCompare(b.language));
}
