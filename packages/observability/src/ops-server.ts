import Fastify from "fastify";
import type { Metrics } from "./metrics.ts";

export type ReadinessCheck = { name: string; check: () => Promise<unknown> };
export type OpsServer = { port: number; close: () => Promise<void> };

/** Runs each check with a timeout; returns the failures by name. */
export async function runReadinessChecks(checks: ReadinessCheck[], timeoutMs = 2000) {
  const results = await Promise.all(
    checks.map(async ({ name, check }) => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return { name, ok: true as const };
      } catch (err) {
        return { name, ok: false as const, error: err instanceof Error ? err.message : String(err) };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const failed = results.filter((r) => !r.ok);
  return { ready: failed.length === 0, checks: Object.fromEntries(results.map((r) => [r.name, r.ok ? "ok" : r.error])) };
}

/** /health, /ready and /metrics for services whose work is not HTTP (worker, agent-launcher). */
export async function startOpsServer(options: {
  host: string;
  port: number;
  metrics: Metrics;
  checks: ReadinessCheck[];
  /** False while shutting down, so Kubernetes stops routing and probes say why. */
  accepting?: () => boolean;
}): Promise<OpsServer> {
  const app = Fastify({ logger: false });
  app.get("/health", async () => ({ status: "ok" }));
  app.get("/ready", async (_req, reply) => {
    if (options.accepting && !options.accepting()) return reply.code(503).send({ status: "shutting_down" });
    const result = await runReadinessChecks(options.checks);
    return reply.code(result.ready ? 200 : 503).send({ status: result.ready ? "ready" : "not_ready", checks: result.checks });
  });
  app.get("/metrics", async (_req, reply) => {
    reply.header("content-type", options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  return { port: typeof address === "object" && address ? address.port : options.port, close: () => app.close() };
}
