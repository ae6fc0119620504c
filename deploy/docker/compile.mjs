// Turns the TypeScript workspace into JavaScript packages for images: compiles every package's src/
// to <package>/dist (tsc, deploy/tsconfig.build.json), copies non-TypeScript assets next to it, and
// rewrites each workspace package.json so its exports and start script point at dist/ and only
// dist/ (plus prisma/ for the db package) is shipped by `pnpm deploy`. Development keeps running
// the .ts sources directly; this runs only inside the image build (or a throwaway copy).
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");
const BUILD = path.join(ROOT, ".build");

rmSync(BUILD, { recursive: true, force: true });
execFileSync(path.join(ROOT, "node_modules", ".bin", "tsc"), ["-p", path.join(ROOT, "deploy", "tsconfig.build.json")], {
  stdio: "inherit",
});

const packageDirs = ["packages", "services"].flatMap((group) =>
  readdirSync(path.join(ROOT, group))
    .map((name) => path.join(ROOT, group, name))
    .filter((dir) => existsSync(path.join(dir, "package.json"))),
);

/** ./src/x.ts -> ./dist/x.js (exports, main, bin). */
const toDist = (value) => (typeof value === "string" ? value.replace(/^\.\/src\/(.*)\.ts$/, "./dist/$1.js") : value);
function rewriteExports(value) {
  if (typeof value === "string") return toDist(value);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteExports(v)]));
  return value;
}

function copyAssets(from, to) {
  for (const entry of readdirSync(from)) {
    const source = path.join(from, entry);
    const target = path.join(to, entry);
    if (statSync(source).isDirectory()) copyAssets(source, target);
    else if (!entry.endsWith(".ts")) cpSync(source, target);
  }
}

for (const dir of packageDirs) {
  const rel = path.relative(ROOT, dir);
  const compiled = path.join(BUILD, rel, "src");
  const dist = path.join(dir, "dist");
  // A package tsc does not compile (the dashboard: Vite built its dist/ already) keeps its dist/.
  if (existsSync(compiled)) {
    rmSync(dist, { recursive: true, force: true });
    renameSync(compiled, dist);
    copyAssets(path.join(dir, "src"), dist);
  }
  const file = path.join(dir, "package.json");
  const pkg = JSON.parse(readFileSync(file, "utf8"));
  if (pkg.exports) pkg.exports = rewriteExports(pkg.exports);
  if (pkg.main) pkg.main = toDist(pkg.main);
  if (pkg.scripts?.start) pkg.scripts.start = pkg.scripts.start.replace(/src\/(.*)\.ts/, "dist/$1.js");
  // What `pnpm deploy` copies: compiled code only (the db package also needs its schema and migrations).
  pkg.files = pkg.name === "@threads-agent/db" ? ["dist", "prisma", "prisma.config.ts"] : ["dist"];
  writeFileSync(file, `${JSON.stringify(pkg, null, 2)}\n`);
  console.log(`compiled ${rel} -> ${path.relative(ROOT, dist)}`);
}
rmSync(BUILD, { recursive: true, force: true });
