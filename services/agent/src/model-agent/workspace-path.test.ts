import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { diffPaths, resolveInWorkspace } from "./workspace-path.ts";

const root = mkdtempSync(path.join(tmpdir(), "ta-ws-"));
const outside = mkdtempSync(path.join(tmpdir(), "ta-ws-outside-"));
mkdirSync(path.join(root, "src"));
writeFileSync(path.join(root, "src", "a.ts"), "a");
writeFileSync(path.join(outside, "secret"), "s");
symlinkSync(outside, path.join(root, "escape"));
symlinkSync(path.join(root, "src", "a.ts"), path.join(root, "inner-link"));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

describe("resolveInWorkspace", () => {
  it("resolves paths inside the workspace, including ones that do not exist yet", async () => {
    await expect(resolveInWorkspace(root, "src/a.ts")).resolves.toMatchObject({ relative: "src/a.ts" });
    await expect(resolveInWorkspace(root, "./src//new/b.ts")).resolves.toMatchObject({ relative: "src/new/b.ts" });
    await expect(resolveInWorkspace(root, ".")).resolves.toMatchObject({ relative: "." });
  });

  it.each([
    ["escape/secret", /symbolic link/],
    ["escape", /symbolic link/],
    ["inner-link", /symbolic link/],
    ["../x", /leaves the repository/],
    ["src\\..\\..\\x", /leaves the repository/],
    ["/etc/passwd", /absolute/],
    ["C:/x", /absolute/],
    ["~/x", /absolute/],
    [".git/config", /off limits/],
    ["a\0b", /NUL/],
    [42, /must be a string/],
  ])("refuses %j", async (input, message) => {
    await expect(resolveInWorkspace(root, input)).rejects.toThrow(message);
  });
});

describe("diffPaths", () => {
  it("lists every path and mode a diff names, renames included", () => {
    const diff = "diff --git a/x b/y\nsimilarity index 90%\nrename from x\nrename to y\nnew mode 120000\n--- a/x\n+++ b/y\n";
    expect(diffPaths(diff)).toEqual({ paths: ["x", "y"], modes: ["120000"] });
  });
});
