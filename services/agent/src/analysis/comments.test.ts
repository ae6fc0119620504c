import { describe, expect, it } from "vitest";
import { commentLines, commentSyntaxOf } from "./comments.ts";
import { findTodos } from "./todos.ts";
import type { RepoFile } from "./walk.ts";

const file = (path: string, text: string): RepoFile => ({ path, size: text.length, text });

// Each file has markers in comments (counted) and the same words in strings, code and prose (not counted).
const FIXTURE: RepoFile[] = [
  file(
    "src/app.ts",
    [
      'const msg = "TODO: not a comment"; // TODO: real one',
      "const tpl = `",
      "  FIXME inside a template literal",
      "`;",
      "/* HACK: block comment",
      " * FIXME: second line of it */",
      "const url = 'http://example.com/TODO'; const TODO_LIST = [];",
      "const re = /\\/\\/ TODO/; // XXX after a regex",
    ].join("\n"),
  ),
  file("tools/gen.py", ['s = "# TODO not a comment"', '"""', "TODO inside a docstring", '"""', "x = 1  # FIXME: real"].join("\n")),
  file("scripts/run.sh", ['echo "TODO: in a string"', "n=$# # HACK: after $#", "echo '# TODO quoted'"].join("\n")),
  file("main.go", ["s := `TODO raw`", "r := '\"'", "// TODO: go comment"].join("\n")),
  file("src/lib.rs", ["fn a<'a>(x: &'a str) -> char { 'x' } // TODO: after lifetimes", 'let s = "// TODO not";'].join("\n")),
  file("config.yaml", ["url: http://x#TODO", "key: 'TODO' # FIXME: yaml comment"].join("\n")),
  file("db/schema.sql", ["SELECT 'TODO -- no' FROM t; -- TODO: sql comment"].join("\n")),
  file("README.md", ["TODO in prose is not a marker", "<!-- TODO: hidden note -->"].join("\n")),
  file("data.json", '{"todo": "TODO: json has no comments"}'),
  file("bin/deploy", ["#!/usr/bin/env bash", 'echo "TODO"', "# TODO: script without an extension"].join("\n")),
  file("Gemfile.lock", "TODO unknown syntax"),
];

describe("comment-aware TODO markers", () => {
  it("counts markers in comments only, per language, with the right line numbers", () => {
    expect(findTodos(FIXTURE).map((t) => `${t.path}:${t.line} ${t.tag} ${t.text}`)).toEqual([
      "src/app.ts:1 TODO real one",
      "src/app.ts:5 HACK block comment",
      "src/app.ts:6 FIXME second line of it",
      "src/app.ts:8 XXX after a regex",
      "tools/gen.py:5 FIXME real",
      "scripts/run.sh:2 HACK after $#",
      "main.go:3 TODO go comment",
      "src/lib.rs:1 TODO after lifetimes",
      "config.yaml:2 FIXME yaml comment",
      "db/schema.sql:1 TODO sql comment",
      "README.md:2 TODO hidden note",
      "bin/deploy:3 TODO script without an extension",
    ]);
  });

  it("knows block comments that span lines and Ruby's =begin/=end", () => {
    const ruby = commentSyntaxOf("a.rb", "");
    if (!ruby) throw new Error("no Ruby syntax");
    const lines = commentLines("x = 1\n=begin\nTODO one\n=end\ny = '=begin' # two", ruby).filter((l) => l.text.trim());
    expect(lines).toEqual([
      { line: 3, text: "TODO one" },
      { line: 5, text: " two" },
    ]);
  });
});
