// The layering rules (.dependency-cruiser.cjs, run by `pnpm run lint` and scripts/test): the real
// tree passes, and a tree with each kind of bad import fails naming the rule it breaks.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
// The workspace's own install (the root devDependency), run with this Node.
const DEPCRUISE = path.join(ROOT, "node_modules", "dependency-cruiser", "bin", "dependency-cruiser.mjs");
const cruise = (cwd: string) =>
  spawnSync(
    process.execPath,
    [DEPCRUISE, "services", "packages", "--config", ".dependency-cruiser.cjs", "--output-type", "err", "--no-cache"],
    {
      cwd,
      encoding: "utf8",
    },
  );

const fixture = mkdtempSync(path.join(tmpdir(), "ta-layers-"));
afterAll(() => rmSync(fixture, { recursive: true, force: true }));

function file(name: string, content: string) {
  mkdirSync(path.dirname(path.join(fixture, name)), { recursive: true });
  writeFileSync(path.join(fixture, name), content);
}

describe("layering rules", () => {
  it("pass on the project as it is", () => {
    const result = cruise(ROOT);
    expect(result.status, result.stdout + result.stderr).toBe(0);
  }, 60_000);

  it("fail on a service importing a service, a package importing a service, and contracts importing db", () => {
    copyFileSync(path.join(ROOT, ".dependency-cruiser.cjs"), path.join(fixture, ".dependency-cruiser.cjs"));
    file("services/worker/src/config.ts", "export const x = 1;\n");
    file("services/orchestrator/src/app.ts", 'import { x } from "../../worker/src/config.ts";\nexport const y = x;\n');
    file("packages/http/src/common.ts", 'import { y } from "../../../services/orchestrator/src/app.ts";\nexport const z = y;\n');
    file("packages/db/src/index.ts", "export const db = 1;\n");
    file("packages/contracts/src/tasks.ts", 'import { db } from "../../db/src/index.ts";\nexport const t = db;\n');
    file("packages/contracts/src/ids.ts", "export const id = 1;\n");
    file("packages/contracts/src/index.ts", 'export { id } from "./ids.ts";\n');
    const result = cruise(fixture);
    expect(result.status).not.toBe(0);
    const out = result.stdout + result.stderr;
    expect(out).toMatch(/no-service-to-service: services\/orchestrator\/src\/app\.ts → services\/worker\/src\/config\.ts/);
    expect(out).toMatch(/no-package-to-service: packages\/http\/src\/common\.ts → services\/orchestrator\/src\/app\.ts/);
    expect(out).toMatch(/contracts-are-pure: packages\/contracts\/src\/tasks\.ts → packages\/db\/src\/index\.ts/);
    // A contracts module importing another contracts module is fine.
    expect(out).not.toMatch(/contracts\/src\/index\.ts →/);
  }, 60_000);
});
