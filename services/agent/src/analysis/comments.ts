// Comments of a source file, per language: what a TODO marker must be inside to count. A small
// scanner knows each language's comment and string syntax, so `"TODO"` in a string literal, an
// identifier or prose is never a marker. No library covers this many languages without a full
// parser per language; the scanner is deliberately approximate where it cannot matter (regex
// literals, string interpolation): a single-line string always ends at its line.
import { languageOf } from "./languages.ts";

type StringRule = { open: string; close: string; escapes: boolean; multiline: boolean };

export type CommentSyntax = {
  line: string[];
  block: [open: string, close: string][];
  strings: StringRule[];
  /** `#` starts a comment only at the start of a word (shell: `$#`, `${#a}`; YAML: `a#b`). */
  hashAtWordStart?: boolean;
  /** Line comments only where the line starts (Dockerfile). */
  lineCommentAtLineStart?: boolean;
  /** Block comments whose markers must start a line (Ruby's =begin/=end). */
  blockAtLineStart?: boolean;
  /** Rust: `'a` is a lifetime, `'a'` a char. */
  rustQuotes?: boolean;
};

const dq = (multiline = false): StringRule => ({ open: '"', close: '"', escapes: true, multiline });
const sq = (multiline = false): StringRule => ({ open: "'", close: "'", escapes: true, multiline });
const triple = (q: string, escapes = true): StringRule => ({ open: q.repeat(3), close: q.repeat(3), escapes, multiline: true });
const backtick = (escapes: boolean): StringRule => ({ open: "`", close: "`", escapes, multiline: true });
const C_BLOCK: [string, string][] = [["/*", "*/"]];
const HTML_BLOCK: [string, string][] = [["<!--", "-->"]];

const C_LIKE: CommentSyntax = { line: ["//"], block: C_BLOCK, strings: [dq(), sq()] };
const JS: CommentSyntax = { line: ["//"], block: C_BLOCK, strings: [dq(), sq(), backtick(true)] };
const TRIPLE_QUOTED: CommentSyntax = { line: ["//"], block: C_BLOCK, strings: [triple('"'), dq(), sq()] };
const HASH: CommentSyntax = { line: ["#"], block: [], strings: [dq(true), sq(true)], hashAtWordStart: true };
const HASH_PLAIN: CommentSyntax = { line: ["#"], block: [], strings: [] };

const SYNTAX: Record<string, CommentSyntax> = {
  TypeScript: JS,
  JavaScript: JS,
  Java: TRIPLE_QUOTED,
  Kotlin: TRIPLE_QUOTED,
  Scala: TRIPLE_QUOTED,
  Swift: TRIPLE_QUOTED,
  Dart: { line: ["//"], block: C_BLOCK, strings: [triple('"'), triple("'"), dq(), sq()] },
  C: C_LIKE,
  "C++": C_LIKE,
  "C#": C_LIKE,
  "Objective-C": C_LIKE,
  Groovy: { line: ["//"], block: C_BLOCK, strings: [triple('"'), triple("'"), dq(), sq()] },
  "Protocol Buffers": C_LIKE,
  Go: { line: ["//"], block: C_BLOCK, strings: [dq(), sq(), backtick(false)] },
  Rust: { line: ["//"], block: C_BLOCK, strings: [dq(true)], rustQuotes: true },
  Zig: { line: ["//"], block: [], strings: [dq(), sq()] },
  PHP: { line: ["//", "#"], block: C_BLOCK, strings: [dq(true), sq(true)] },
  CSS: { line: [], block: C_BLOCK, strings: [dq(), sq()] },
  SCSS: { line: ["//"], block: C_BLOCK, strings: [dq(), sq()] },
  Vue: { line: ["//"], block: [...HTML_BLOCK, ...C_BLOCK], strings: [dq(), sq(), backtick(true)] },
  Svelte: { line: ["//"], block: [...HTML_BLOCK, ...C_BLOCK], strings: [dq(), sq(), backtick(true)] },
  HTML: { line: [], block: HTML_BLOCK, strings: [] },
  XML: { line: [], block: HTML_BLOCK, strings: [] },
  Markdown: { line: [], block: HTML_BLOCK, strings: [] },
  Python: { line: ["#"], block: [], strings: [triple('"'), triple("'"), dq(), sq()] },
  Ruby: { line: ["#"], block: [["=begin", "=end"]], strings: [dq(true), sq(true)], blockAtLineStart: true },
  Elixir: { line: ["#"], block: [], strings: [triple('"'), dq(true), sq()] },
  Shell: { ...HASH, strings: [dq(true), { open: "'", close: "'", escapes: false, multiline: true }] },
  PowerShell: { line: ["#"], block: [["<#", "#>"]], strings: [dq(true), { open: "'", close: "'", escapes: false, multiline: true }] },
  YAML: { line: ["#"], block: [], strings: [dq(), sq()], hashAtWordStart: true },
  TOML: {
    line: ["#"],
    block: [],
    strings: [triple('"'), triple("'", false), dq(), { open: "'", close: "'", escapes: false, multiline: false }],
  },
  R: { line: ["#"], block: [], strings: [dq(true), sq(true)] },
  Nix: { line: ["#"], block: C_BLOCK, strings: [dq(true), { open: "''", close: "''", escapes: false, multiline: true }] },
  HCL: { line: ["#", "//"], block: C_BLOCK, strings: [dq()] },
  Makefile: HASH_PLAIN,
  Just: HASH_PLAIN,
  Dockerfile: { ...HASH_PLAIN, lineCommentAtLineStart: true },
  SQL: { line: ["--"], block: C_BLOCK, strings: [{ open: "'", close: "'", escapes: false, multiline: true }, dq()] },
  Lua: {
    line: ["--"],
    block: [["--[[", "]]"]],
    strings: [{ open: "[[", close: "]]", escapes: false, multiline: true }, dq(), sq()],
  },
  Haskell: { line: ["--"], block: [["{-", "-}"]], strings: [dq()] },
  Erlang: { line: ["%"], block: [], strings: [dq()] },
  Clojure: { line: [";"], block: [], strings: [dq(true)] },
};

/** The comment syntax of a file from its name, or from a `#!` line for scripts without an extension; null when unknown or comment-less (JSON). */
export function commentSyntaxOf(filePath: string, text: string): CommentSyntax | null {
  const language = languageOf(filePath);
  if (language) return SYNTAX[language] ?? null;
  // "#!/bin/sh", "#!/usr/bin/env bash", "#!/usr/bin/env -S python3 -u": the program's name.
  const words =
    /^#![ \t]*([^\n]*)/
      .exec(text)?.[1]
      ?.split(/\s+/)
      .filter((w) => w && !w.startsWith("-")) ?? [];
  const first = words[0]?.split("/").pop() ?? "";
  const shebang = first === "env" ? (words[1]?.split("/").pop() ?? "") : first;
  if (/^(?:ba|da|z|k)?sh$/.test(shebang)) return SYNTAX.Shell as CommentSyntax;
  if (/^python[\d.]*$/.test(shebang)) return SYNTAX.Python as CommentSyntax;
  if (shebang === "ruby") return SYNTAX.Ruby as CommentSyntax;
  if (shebang === "node" || shebang === "deno" || shebang === "bun") return SYNTAX.JavaScript as CommentSyntax;
  return null;
}

/** One line of comment text and the 1-based line it is on. */
export type CommentLine = { line: number; text: string };

const WORD_BREAK = new Set([" ", "\t", "\n", ";", "|", "&", "(", ")"]);

/** The comment text of `source`, one entry per line a comment covers. */
export function commentLines(source: string, syntax: CommentSyntax): CommentLine[] {
  const out: CommentLine[] = [];
  let line = 1;
  let lineStart = 0;
  let i = 0;
  const n = source.length;
  const atLineStart = (at: number) => source.slice(lineStart, at).trim() === "";
  // Emits the comment text between `from` and `to`, split at newlines, and moves the line count on.
  const emit = (from: number, to: number) => {
    const parts = source.slice(from, to).split("\n");
    parts.forEach((text, k) => {
      out.push({ line: line + k, text });
    });
  };
  const advanceTo = (to: number) => {
    for (let k = i; k < to; k++) {
      if (source.charCodeAt(k) === 10) {
        line += 1;
        lineStart = k + 1;
      }
    }
    i = to;
  };

  while (i < n) {
    const ch = source[i] as string;
    if (ch === "\n") {
      advanceTo(i + 1);
      continue;
    }
    const block = syntax.block.find(([open]) => source.startsWith(open, i) && (!syntax.blockAtLineStart || i === lineStart));
    if (block) {
      const [open, close] = block;
      let end = source.indexOf(close, i + open.length);
      if (syntax.blockAtLineStart) {
        // Ruby's =end must start a line too.
        while (end >= 0 && source[end - 1] !== "\n") end = source.indexOf(close, end + 1);
      }
      const stop = end < 0 ? n : end;
      emit(i + open.length, stop);
      advanceTo(end < 0 ? n : end + close.length);
      continue;
    }
    const lineComment = syntax.line.find(
      (open) =>
        source.startsWith(open, i) &&
        (!syntax.lineCommentAtLineStart || atLineStart(i)) &&
        !(open === "#" && syntax.hashAtWordStart && i > lineStart && !WORD_BREAK.has(source[i - 1] as string)),
    );
    if (lineComment) {
      const end = source.indexOf("\n", i);
      const stop = end < 0 ? n : end;
      emit(i + lineComment.length, stop);
      advanceTo(stop);
      continue;
    }
    if (syntax.rustQuotes && ch === "'") {
      // A char literal ('a', '\n', '\u{1F600}') is skipped; a lifetime ('a) is just code.
      const close = source[i + 1] === "\\" ? source.indexOf("'", i + 3) : source[i + 2] === "'" ? i + 2 : -1;
      advanceTo(close > 0 && close - i <= 12 ? close + 1 : i + 1);
      continue;
    }
    const string = syntax.strings.find((s) => source.startsWith(s.open, i));
    if (string) {
      let k = i + string.open.length;
      while (k < n) {
        const c = source[k];
        if (string.escapes && c === "\\") {
          k += 2;
          continue;
        }
        if (c === "\n" && !string.multiline) break;
        if (source.startsWith(string.close, k)) {
          k += string.close.length;
          break;
        }
        k += 1;
      }
      advanceTo(Math.min(k, n));
      continue;
    }
    i += 1;
  }
  return out;
}
