import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import fastifyStatic from "@fastify/static";
import type { Logger } from "@threads-agent/observability";
import type { FastifyInstance } from "fastify";
import { z } from "zod";

/**
 * The dashboard's Content-Security-Policy. Its code is the Vite build's hashed files under
 * /assets/ (no inline script or style anywhere, so no 'unsafe-inline' and no hashes to keep in
 * step); 'self' is as tight as the old per-script hashes because every API answer is JSON sent with
 * `X-Content-Type-Options: nosniff`, which browsers refuse to run as script. Trusted Types close the
 * DOM side: no string reaches innerHTML & co. except through the one policy the diff view declares.
 */
export const DASHBOARD_CSP_DIRECTIVES = {
  "default-src": ["'none'"],
  "script-src": ["'self'"],
  "style-src": ["'self'"],
  "img-src": ["'self'", "data:"],
  "connect-src": ["'self'"],
  "base-uri": ["'none'"],
  "form-action": ["'none'"],
  "frame-ancestors": ["'none'"],
  "require-trusted-types-for": ["'script'"],
  "trusted-types": ["dashboard-diff"],
};
export const DASHBOARD_CSP = Object.entries(DASHBOARD_CSP_DIRECTIVES)
  .map(([name, values]) => `${name} ${values.join(" ")}`)
  .join("; ");

/** Where `pnpm --filter @threads-agent/dashboard build` writes (the package ships only dist/ in images). */
export function dashboardDist(): string | null {
  try {
    const manifest = createRequire(import.meta.url).resolve("@threads-agent/dashboard/package.json");
    return path.join(path.dirname(manifest), "dist");
  } catch {
    return null;
  }
}

const BUILD_HINT = "node packages/dashboard/build.ts (scripts/up, scripts/test and the image build run it)";

const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

const notBuiltPage = (dist: string | null) => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>threads-agent · dashboard not built</title></head>
<body>
<h1>The dashboard has not been built</h1>
<p>The orchestrator serves the dashboard from <code>${escapeHtml(dist ?? "packages/dashboard/dist")}</code>, which has no build yet.
Build it with <code>${BUILD_HINT}</code> and reload this page; no restart is needed.</p>
<p>The API works meanwhile: <a href="/docs">API docs</a>, <a href="/openapi.json">OpenAPI</a>, <a href="/ready">/ready</a>.</p>
</body></html>
`;

/**
 * GET / (the dashboard's index.html) and GET /assets/* (its hashed JS, CSS and icons, cached for a
 * year since a new build has new names). Files are read per request, so a rebuild (Tilt, a second
 * `scripts/up`) shows on the next reload. Without a build, / answers a 503 page saying how to
 * build it, and the log says so once a minute at most: never a 500.
 */
export async function registerDashboard(app: FastifyInstance, options: { logger: Logger; dist?: string | null }): Promise<void> {
  const dist = options.dist === undefined ? dashboardDist() : options.dist;
  const index = dist ? path.join(dist, "index.html") : null;
  let warnedAt = 0;
  const warnMissing = () => {
    if (Date.now() - warnedAt < 60_000) return;
    warnedAt = Date.now();
    options.logger.warn({ dist }, `dashboard build output missing: GET / answers 503 until it is built with ${BUILD_HINT}`);
  };
  if (!index || !existsSync(index)) warnMissing();

  if (dist) {
    await app.register(async (scope) => {
      await scope.register(fastifyStatic, {
        root: path.join(dist, "assets"),
        prefix: "/assets/",
        decorateReply: false,
        index: false,
        dotfiles: "ignore",
        // Vite names every file by its content hash.
        immutable: true,
        maxAge: "365d",
        // build.ts writes .br and .gz next to each JS and CSS file.
        preCompressed: true,
        suppressWarning: true,
      });
    });
  }

  const html = { content: { "text/html": { schema: z.string() } } };
  app.get(
    "/",
    {
      config: { rateLimit: false },
      schema: {
        summary: "Browser dashboard: submit tasks, watch them run, compare agent-run variations",
        tags: ["docs"],
        response: {
          200: { description: "The dashboard", ...html },
          503: { description: "Not built yet: a page saying how to build it", ...html },
        },
      },
    },
    async (_request, reply) => {
      let page: string | null = null;
      try {
        if (index) page = await readFile(index, "utf8");
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
      reply.type("text/html; charset=utf-8").header("content-security-policy", DASHBOARD_CSP).header("cache-control", "no-cache");
      if (page !== null) return reply.send(page);
      warnMissing();
      return reply.code(503).header("retry-after", "30").send(notBuiltPage(dist));
    },
  );
}
