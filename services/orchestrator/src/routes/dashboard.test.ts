// GET / and /assets/*: the dashboard package's Vite build, served with its CSP; and a clear 503
// page (not a 500) when the build is missing.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { gunzipSync } from "node:zlib";
import { registerCommon } from "@threads-agent/http";
import { createLogger, createMetrics } from "@threads-agent/observability";
import { ensureDashboardBuilt } from "@threads-agent/testing";
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Orchestrator, startOrchestrator } from "../test-fixture.ts";
import { DASHBOARD_CSP, dashboardDist, registerDashboard } from "./dashboard.ts";

let o: Orchestrator;

beforeAll(async () => {
  ensureDashboardBuilt();
  o = await startOrchestrator();
  await o.app.ready();
});
afterAll(async () => {
  await o?.close();
});

const assetsOf = (html: string) => [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1] as string);

describe("GET / with the dashboard built", () => {
  it("is the built index.html under a CSP that allows only this origin's files, no inline code", async () => {
    const res = await o.app.inject({ url: "/" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/html/);
    expect(res.headers["cache-control"]).toBe("no-cache");
    expect(res.body).toBe(readFileSync(path.join(dashboardDist() as string, "index.html"), "utf8"));
    const csp = Object.fromEntries(
      String(res.headers["content-security-policy"])
        .split("; ")
        .map((d) => [d.split(" ")[0], d.split(" ").slice(1).join(" ")]),
    );
    expect(csp).toMatchObject({
      "default-src": "'none'",
      "script-src": "'self'",
      "style-src": "'self'",
      "connect-src": "'self'",
      "base-uri": "'none'",
      "form-action": "'none'",
      "frame-ancestors": "'none'",
      "require-trusted-types-for": "'script'",
      "trusted-types": "dashboard-diff",
    });
    expect(String(res.headers["content-security-policy"])).not.toMatch(/unsafe-(inline|eval)/);
    // Nothing inline for such a policy to block, nothing from elsewhere.
    expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.body).not.toMatch(/<style|\sstyle="/);
    expect(res.body).not.toMatch(/(src|href)="(https?:)?\/\//);
    expect(assetsOf(res.body).some((a) => a.endsWith(".js"))).toBe(true);
    expect(assetsOf(res.body).some((a) => a.endsWith(".css"))).toBe(true);
  });

  it("serves the build's hashed files for a year, compressed when the browser accepts it, and 404s others as problem+json", async () => {
    const html = (await o.app.inject({ url: "/" })).body;
    for (const asset of assetsOf(html)) {
      const res = await o.app.inject({ url: asset });
      expect(res.statusCode, asset).toBe(200);
      expect(res.headers["cache-control"], asset).toMatch(/max-age=31536000.*immutable/);
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      if (asset.endsWith(".js")) expect(res.headers["content-type"]).toMatch(/javascript/);
      if (asset.endsWith(".css")) expect(res.headers["content-type"]).toMatch(/text\/css/);
    }
    const js = assetsOf(html).find((a) => a.endsWith(".js")) as string;
    const plain = await o.app.inject({ url: js });
    const gzip = await o.app.inject({ url: js, headers: { "accept-encoding": "gzip" } });
    expect(gzip.headers["content-encoding"]).toBe("gzip");
    expect(gunzipSync(gzip.rawPayload).toString()).toBe(plain.body);
    expect(gzip.rawPayload.length).toBeLessThan(plain.rawPayload.length / 2);

    const missing = await o.app.inject({ url: "/assets/index-nothere.js" });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers["content-type"]).toMatch(/application\/problem\+json/);
    expect((await o.app.inject({ url: "/assets/../package.json" })).statusCode).toBe(404);
  });

  it("ships no contract or Node code to the browser (the bundle is the dashboard's own)", () => {
    const assets = path.join(dashboardDist() as string, "assets");
    const js = readdirSync(assets).filter((f) => f.endsWith(".js"));
    expect(js).toHaveLength(1);
    const code = readFileSync(path.join(assets, js[0] as string), "utf8");
    expect(code).not.toMatch(/node:net|BlockList|zod/);
    expect(code).toContain("/v1/tasks");
    expect(code).toContain("EventSource");
  });
});

describe("GET / without a build", () => {
  it("answers a 503 page that says how to build it, and logs it once", async () => {
    const empty = mkdtempSync(path.join(tmpdir(), "ta-no-dashboard-"));
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = createLogger({ service: "orchestrator", level: "warn", destination });
    const app = Fastify({ logger: false });
    registerCommon(app, { logger, metrics: createMetrics("orchestrator"), checks: [] });
    try {
      await registerDashboard(app, { logger, dist: path.join(empty, "dist") });
      for (const _ of [1, 2]) {
        const res = await app.inject({ url: "/" });
        expect(res.statusCode).toBe(503);
        expect(res.headers["content-type"]).toMatch(/^text\/html/);
        expect(res.headers["content-security-policy"]).toBe(DASHBOARD_CSP);
        expect(res.body).toContain("The dashboard has not been built");
        expect(res.body).toContain("node packages/dashboard/build.ts");
      }
      const warnings = lines.map((l) => JSON.parse(l)).filter((l) => /dashboard build output missing/.test(l.msg));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ level: "warn", dist: path.join(empty, "dist") });
      expect((await app.inject({ url: "/assets/index.js" })).statusCode).toBe(404);
    } finally {
      await app.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
