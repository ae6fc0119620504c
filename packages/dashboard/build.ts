// Builds the dashboard into dist/ with Vite, and with --if-stale only when its inputs changed since
// the last build (scripts/bootstrap.sh, the image build and the browser tests call it that way, so
// a second call is a silent no-op). Inputs are compared by content hash, not mtime: a checkout or
// `touch` that leaves the content alone does not rebuild, a changed lockfile (new diff2html) does.
//
//   node packages/dashboard/build.ts             build now
//   node packages/dashboard/build.ts --if-stale  build only when an input changed
//
// Each build goes to a temporary directory that then replaces dist/ in two renames, so an
// orchestrator serving dist/ (Tilt, a running `scripts/up`) never serves a half-written build, and
// a lock directory serialises concurrent callers (parallel test files): the second one waits and
// then finds the build up to date.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

export const DASHBOARD_ROOT = import.meta.dirname;
export const DASHBOARD_DIST = path.join(DASHBOARD_ROOT, "dist");
const WORKSPACE_ROOT = path.resolve(DASHBOARD_ROOT, "../..");
const STAMP = ".inputs-sha256";
const LOCK = path.join(DASHBOARD_ROOT, ".build-lock");
const STALE_LOCK_MS = 5 * 60_000;

const log = (message: string) => process.stderr.write(`\x1b[1;34m[dashboard]\x1b[0m ${message}\n`);

/** Every file the build output depends on: sources, page, configuration, and the lockfile (library versions). */
function inputFiles(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!["node_modules", "dist", ".build-lock"].includes(entry.name) && !entry.name.startsWith(".dist-")) walk(full);
      } else if (!entry.name.endsWith(".test.ts") && entry.name !== "README.md") files.push(full);
    }
  };
  walk(DASHBOARD_ROOT);
  const lockfile = path.join(WORKSPACE_ROOT, "pnpm-lock.yaml");
  if (existsSync(lockfile)) files.push(lockfile);
  return files.sort();
}

export function inputsHash(): string {
  const hash = createHash("sha256");
  for (const file of inputFiles()) hash.update(path.relative(WORKSPACE_ROOT, file)).update("\0").update(readFileSync(file)).update("\0");
  return hash.digest("hex");
}

/** True when dist/ holds a complete build of the current inputs. */
export function isUpToDate(hash = inputsHash()): boolean {
  const stamp = path.join(DASHBOARD_DIST, STAMP);
  return existsSync(path.join(DASHBOARD_DIST, "index.html")) && existsSync(stamp) && readFileSync(stamp, "utf8").trim() === hash;
}

async function withLock<T>(work: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      // A lock left by a killed build is taken over after a while.
      const age = Date.now() - (statSync(LOCK, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > STALE_LOCK_MS) rmSync(LOCK, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

export type BuiltAsset = { file: string; bytes: number; gzipBytes: number; brotliBytes: number };

/** The JS and CSS files of dist/assets with their raw and gzip sizes. */
export function assetSizes(dist = DASHBOARD_DIST): BuiltAsset[] {
  const dir = path.join(dist, "assets");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".js") || f.endsWith(".css"))
    .sort()
    .map((file) => {
      const content = readFileSync(path.join(dir, file));
      return {
        file,
        bytes: content.length,
        gzipBytes: gzipSync(content, { level: 9 }).length,
        brotliBytes: brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
      };
    });
}

/** .br and .gz beside each JS, CSS and SVG file: the orchestrator sends them to browsers that accept them (@fastify/static preCompressed). */
function precompress(dir: string): void {
  for (const file of readdirSync(dir)) {
    if (!/\.(js|css|svg)$/.test(file)) continue;
    const content = readFileSync(path.join(dir, file));
    writeFileSync(path.join(dir, `${file}.gz`), gzipSync(content, { level: 9 }));
    writeFileSync(path.join(dir, `${file}.br`), brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
  }
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

/** Builds into dist/ (or does nothing when `ifStale` and dist/ is current). Resolves to whether it built. */
export async function buildDashboard(options: { ifStale?: boolean } = {}): Promise<boolean> {
  if (options.ifStale && isUpToDate()) return false;
  return withLock(async () => {
    const hash = inputsHash();
    if (options.ifStale && isUpToDate(hash)) return false; // another caller built it while we waited
    const started = Date.now();
    const staging = path.join(DASHBOARD_ROOT, `.dist-${process.pid}`);
    rmSync(staging, { recursive: true, force: true });
    // Imported here so that --if-stale on an up-to-date build costs no Vite start-up.
    const { build } = await import("vite");
    await build({
      configFile: path.join(DASHBOARD_ROOT, "vite.config.ts"),
      root: DASHBOARD_ROOT,
      mode: "production",
      logLevel: "warn",
      build: { outDir: staging, emptyOutDir: true },
    });
    precompress(path.join(staging, "assets"));
    writeFileSync(path.join(staging, STAMP), `${hash}\n`);
    const previous = path.join(DASHBOARD_ROOT, `.dist-old-${process.pid}`);
    if (existsSync(DASHBOARD_DIST)) renameSync(DASHBOARD_DIST, previous);
    renameSync(staging, DASHBOARD_DIST);
    rmSync(previous, { recursive: true, force: true });
    const sizes = assetSizes()
      .map((a) => `${a.file} ${kb(a.bytes)} (gzip ${kb(a.gzipBytes)}, brotli ${kb(a.brotliBytes)})`)
      .join(", ");
    log(`built ${path.relative(WORKSPACE_ROOT, DASHBOARD_DIST)} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${sizes}`);
    return true;
  });
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== "--if-stale");
  if (unknown.length > 0) {
    log(`unknown argument ${unknown[0]} (usage: node packages/dashboard/build.ts [--if-stale])`);
    process.exit(2);
  }
  // Vite picks production or development dependencies from NODE_ENV; a test runner's "test" must not leak in.
  process.env.NODE_ENV = "production";
  try {
    await buildDashboard({ ifStale: args.includes("--if-stale") });
  } catch (err) {
    log(`build failed: ${(err as Error).message}`);
    process.exit(1);
  }
}
