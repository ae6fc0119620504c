import type { FastifyInstance } from "fastify";
import { dashboardPage } from "../dashboard/page.ts";

/** GET /: the browser dashboard, one self-contained page (no CDN), locked down by its CSP. */
export function registerDashboard(app: FastifyInstance): void {
  const page = dashboardPage();
  app.get("/", async (_request, reply) =>
    reply
      .type("text/html; charset=utf-8")
      .header("content-security-policy", page.contentSecurityPolicy)
      .header("cache-control", "no-cache")
      .send(page.html),
  );
}
