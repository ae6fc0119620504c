// Vite builds index.html and src/ into dist/: one hashed JS and one hashed CSS file under
// dist/assets/, linked from dist/index.html, which the orchestrator serves with a CSP that allows
// scripts and styles from its own origin only (no inline code). `pnpm --filter
// @threads-agent/dashboard dev` serves the sources with hot reload against an orchestrator on
// :8080 (ORCHESTRATOR_URL to point elsewhere).
import path from "node:path";
import { defineConfig, type Plugin } from "vite";

const CONTRACTS_SRC = `${path.sep}packages${path.sep}contracts${path.sep}`;

/**
 * The contracts package is Node code (zod, node:net); the dashboard may use its types only. A value
 * import would pull it into the bundle and fail in the browser, so the build refuses it by name.
 */
function typesOnlyFromContracts(): Plugin {
  return {
    name: "threads-agent:types-only-from-contracts",
    load(id) {
      if (path.normalize(id).includes(CONTRACTS_SRC)) {
        this.error(`${id} reached the browser bundle: import only types from @threads-agent/contracts (\`import type { ... }\`)`);
      }
      return null;
    },
  };
}

const api = process.env.ORCHESTRATOR_URL ?? "http://127.0.0.1:8080";

export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  plugins: [typesOnlyFromContracts()],
  build: {
    outDir: "dist",
    assetsDir: "assets",
    // One entry, no lazy chunks: nothing to preload, and the polyfill would be dead code.
    modulePreload: { polyfill: false },
    // Small images would become data: URLs in CSS; the CSP allows those (img-src data:), but files keep the page cacheable.
    assetsInlineLimit: 0,
    sourcemap: true,
    reportCompressedSize: false,
  },
  server: {
    proxy: Object.fromEntries(["/v1", "/ready", "/health", "/metrics", "/docs", "/openapi.json"].map((p) => [p, api])),
  },
});
