import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export type TestRepository = { dir: string; url: string; remove: () => void };

const FILES: Record<string, string> = {
  "README.md": "# widgets\n\nSmall service that sells widgets.\n",
  "package.json": `${JSON.stringify({ name: "widgets", scripts: { test: "vitest run", lint: "biome check .", build: "tsc -b" } }, null, 2)}\n`,
  "src/index.ts":
    "import { price } from './price.ts';\n\n// TODO: read the currency from config\nexport const currency = 'EUR';\nexport { price };\n",
  "src/price.ts":
    "export function price(cents: number): string {\n  // FIXME: rounding is wrong for negative amounts\n  return (cents / 100).toFixed(2);\n}\n",
  "src/cart/cart.ts":
    "export class Cart {\n  items: string[] = [];\n  // HACK: linear scan until carts get big\n  has(id: string) {\n    return this.items.includes(id);\n  }\n}\n",
  "scripts/release.sh": "#!/bin/sh\n# XXX: tag before publishing\nnpm publish\n",
  "docs/design.md": "# Design\n\nOne process, no database yet.\n",
};

/**
 * A package whose `npm test` (node:test) fails until src/greet.js greets with a comma: one test
 * fails, one passes, so a change can fix it, break the other, or leave both as they are.
 */
export const GREET_FILES: Record<string, string> = {
  "README.md": "# greet\n",
  "package.json": `${JSON.stringify({ name: "greet", type: "module", scripts: { test: "node --test" } }, null, 2)}\n`,
  "src/greet.js": "export const greet = (name) => 'Hello ' + name;\nexport const shout = (name) => name.toUpperCase();\n",
  "test/greet.test.js": [
    'import assert from "node:assert/strict";',
    'import test from "node:test";',
    'import { greet, shout } from "../src/greet.js";',
    "",
    'test("greets with a comma", () => assert.equal(greet("Ada"), "Hello, Ada!"));',
    'test("shouts", () => assert.equal(shout("Ada"), "ADA"));',
    "",
  ].join("\n"),
};

/** A real git repository with a commit, for tests of the agent and the launcher (clone it as `url`). */
export function createTestRepository(files: Record<string, string> = FILES): TestRepository {
  const dir = mkdtempSync(path.join(tmpdir(), "ta-repo-"));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "init.defaultBranch=main", ...args], {
      cwd: dir,
      stdio: "ignore",
    });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-q", "-m", "initial commit");
  return { dir, url: `file://${dir}`, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
