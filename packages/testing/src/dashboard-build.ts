import { execFileSync } from "node:child_process";
import path from "node:path";

const BUILD_SCRIPT = path.resolve(import.meta.dirname, "../../dashboard/build.ts");

/**
 * Builds the dashboard (packages/dashboard/dist) unless it is current, the way scripts/bootstrap.sh
 * does, so browser and route tests run against the real Vite output even when vitest is started
 * directly. A child process, so the test runner's NODE_ENV does not reach Vite; concurrent callers
 * are serialised by the build script's lock.
 */
export function ensureDashboardBuilt(): void {
  const env = { ...process.env };
  delete env.NODE_ENV;
  execFileSync(process.execPath, [BUILD_SCRIPT, "--if-stale"], { env, stdio: ["ignore", "inherit", "inherit"], timeout: 120_000 });
}
