import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { createTestRepository } from "@threads-agent/testing";
import { afterAll, describe, expect, it } from "vitest";
import { type FileEdit, unifiedDiff } from "./unified-diff.ts";

const repo = createTestRepository({
  "a.txt": "one\ntwo\nthree\nfour\nfive\nsix\nseven\n",
  "no-newline.md": "# Title\n\nlast line",
  "empty.txt": "",
});
afterAll(() => repo.remove());

const apply = (diff: string) =>
  execFileSync("git", ["apply", "--check", "-"], { cwd: repo.dir, input: diff, stdio: ["pipe", "pipe", "pipe"] });
const read = (name: string) => readFileSync(path.join(repo.dir, name), "utf8");

describe("unifiedDiff", () => {
  it.each<[string, () => FileEdit[], string]>([
    ["creates a file", () => [{ path: "docs/new.md", before: null, after: "hello\nworld\n" }], "@@ -0,0 +1,2 @@\n+hello\n+world\n"],
    [
      "appends with context",
      () => [{ path: "a.txt", before: read("a.txt"), after: `${read("a.txt")}eight\n` }],
      "@@ -5,3 +5,4 @@\n five\n six\n seven\n+eight\n",
    ],
    [
      "replaces a line in the middle",
      () => [{ path: "a.txt", before: read("a.txt"), after: read("a.txt").replace("four\n", "FOUR\n") }],
      "@@ -1,7 +1,7 @@\n one\n two\n three\n-four\n+FOUR\n five\n six\n seven\n",
    ],
    [
      "marks a missing final newline",
      () => [{ path: "no-newline.md", before: read("no-newline.md"), after: `${read("no-newline.md")}\nmore\n` }],
      "-last line\n\\ No newline at end of file\n+last line\n+more\n",
    ],
    ["fills an empty file", () => [{ path: "empty.txt", before: "", after: "x\n" }], "@@ -0,0 +1 @@\n+x\n"],
  ])("%s, and git apply accepts it", (_name, edits, expected) => {
    const diff = unifiedDiff(edits());
    expect(diff).toContain(expected);
    expect(() => apply(diff)).not.toThrow();
  });

  it("skips unchanged files and joins several files into one patch", () => {
    const diff = unifiedDiff([
      { path: "a.txt", before: read("a.txt"), after: read("a.txt") },
      { path: "x.md", before: null, after: "x\n" },
      { path: "y.md", before: null, after: "y\n" },
    ]);
    expect(diff.match(/^diff --git/gm)).toHaveLength(2);
    expect(() => apply(diff)).not.toThrow();
  });
});
