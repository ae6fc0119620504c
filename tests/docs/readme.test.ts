// The README's configuration table is generated from the services' config schemas; this keeps it
// from drifting when a variable is added, renamed or given a new default.
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { configTable, replaceTable } from "../../scripts/config-table.ts";

const README = path.resolve(import.meta.dirname, "../../README.md");

it("README's configuration table matches every service's config schema (run: node scripts/config-table.ts --write)", async () => {
  const readme = readFileSync(README, "utf8");
  expect(replaceTable(readme, await configTable())).toBe(readme);
});

it("README names the two set-up commands and CI runs the test one", () => {
  const readme = readFileSync(README, "utf8");
  expect(readme).toContain("scripts/up");
  expect(readme).toContain("scripts/test");
  expect(readFileSync(path.resolve(import.meta.dirname, "../../.ci/run"), "utf8")).toContain("scripts/test");
});
