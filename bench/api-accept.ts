// How fast the API accepts content tasks: POST /v1/tasks on the real orchestrator (its own
// database, its own redis-server, the rate limit off) next to a bare Fastify route answering the
// same request with a constant, both in processes of their own, driven by the same load generator
// in the same run:
//   node bench/api-accept.ts [--connections 32] [--seconds 10] [--warmup 2]
// Prints req/s, latency percentiles, the ratio to the bare route, the orchestrator's CPU ms per
// accepted task (and PostgreSQL's and Redis') and, last, one JSON line with every figure.
import { spawn } from "node:child_process";
import { once } from "node:events";
import readline from "node:readline";
import { parseArgs } from "node:util";
import { createDb, seedPersonas } from "@threads-agent/db";
import { startStack } from "@threads-agent/stack";
import { closedLoop, type LoadResult } from "./load.ts";
import { CpuMeter, loadAverage, postgresBackends, startOwnRedis } from "./proc.ts";
import { adminUrl, createScratchDatabase, databaseName, databaseUrl, dropScratchDatabase, prefix } from "./scratch.ts";
import { fmt, maximum, percentile } from "./stats.ts";

const { values } = parseArgs({
  options: {
    connections: { type: "string", default: "32" },
    seconds: { type: "string", default: "10" },
    warmup: { type: "string", default: "2" },
  },
});
const CONNECTIONS = Number(values.connections);
const SECONDS = Number(values.seconds);
const WARMUP = Number(values.warmup);

const body = (i: number) =>
  JSON.stringify({
    persona_id: i % 2 ? "ai-jesus" : "ai-elon",
    input: `Accept bench #${i}: a trend about AI code review and faster merges`,
  });
let counter = 0;
const post = () => ({ method: "POST" as const, path: "/v1/tasks", body: body(counter++), headers: { "content-type": "application/json" } });

// The bare route: Fastify with nothing but a JSON body parser and one route, in its own process.
const bareSource = `
  import Fastify from "fastify";
  const app = Fastify({ logger: false });
  app.post("/v1/tasks", async (request, reply) => reply.code(202).send({ id: "0190", status: "queued", input: request.body.input }));
  await app.listen({ port: 0, host: "127.0.0.1" });
  console.log(app.server.address().port);
`;

async function measure(url: string, cpu?: CpuMeter) {
  await closedLoop({ url, connections: CONNECTIONS, seconds: WARMUP, request: post });
  const load = loadAverage();
  await cpu?.start();
  const result = await closedLoop({ url, connections: CONNECTIONS, seconds: SECONDS, request: post });
  return { result, load, cpu: await cpu?.stop() };
}

const line = (label: string, r: LoadResult) =>
  `${label.padEnd(26)} ${fmt(r.perSecond, 0).padStart(7)} req/s  p50 ${fmt(percentile(r.latencies, 50))} ms  p99 ${fmt(percentile(r.latencies, 99))} ms  max ${fmt(maximum(r.latencies))} ms  statuses ${JSON.stringify(r.statuses)}`;

const redis = await startOwnRedis();
const bare = spawn(process.execPath, ["--input-type=module", "-e", bareSource], {
  cwd: import.meta.dirname,
  stdio: ["ignore", "pipe", "inherit"],
});
try {
  const [port] = (await once(readline.createInterface({ input: bare.stdout }), "line")) as [string];
  await createScratchDatabase();
  const db = createDb(databaseUrl);
  await seedPersonas(db);
  const stack = await startStack({
    // A shared, loaded machine can take a while to start a service.
    healthTimeoutMs: 180_000,
    env: { ...process.env, DATABASE_URL: databaseUrl, REDIS_URL: redis.url, REDIS_PREFIX: prefix, LOG_LEVEL: "warn", RATE_LIMIT_MAX: "0" },
    services: ["orchestrator"],
    onLine: (service, text) => {
      if (/"level":"(error|fatal)"/.test(text)) console.error(`[${service}] ${text}`);
    },
  });
  try {
    console.log(`API accept benchmark: ${CONNECTIONS} connections, ${SECONDS} s per target after ${WARMUP} s of warm-up`);
    const bareRun = await measure(`http://127.0.0.1:${port}`, new CpuMeter(async () => ({ bare: [bare.pid as number] })));
    const apiRun = await measure(
      stack.urls.orchestrator,
      new CpuMeter(async () => ({
        orchestrator: [stack.pid("orchestrator") as number],
        postgres: await postgresBackends(adminUrl, databaseName),
        redis: [redis.pid],
      })),
    );
    const accepted = apiRun.result.statuses[202] ?? 0;
    const perAccepted = Object.fromEntries(Object.entries(apiRun.cpu ?? {}).map(([n, ms]) => [n, ms / Math.max(1, accepted)]));
    const bareCpu = (bareRun.cpu?.bare ?? 0) / Math.max(1, bareRun.result.requests);
    const ratio = apiRun.result.perSecond / bareRun.result.perSecond;
    console.log(`
${line("bare Fastify route", bareRun.result)}  (load ${bareRun.load.join(" ")})
${line("POST /v1/tasks", apiRun.result)}  (load ${apiRun.load.join(" ")})
POST /v1/tasks / bare route: ${fmt(100 * ratio, 1)} %
CPU ms per request:         bare route ${fmt(bareCpu, 3)}; POST /v1/tasks ${Object.entries(perAccepted)
      .map(([n, ms]) => `${n} ${fmt(ms, 3)}`)
      .join(", ")}`);
    console.log(
      JSON.stringify({
        bench: "api-accept",
        connections: CONNECTIONS,
        seconds: SECONDS,
        bare: {
          req_per_second: bareRun.result.perSecond,
          p50_ms: percentile(bareRun.result.latencies, 50),
          p99_ms: percentile(bareRun.result.latencies, 99),
          cpu_ms_per_request: bareCpu,
          load_average: bareRun.load,
        },
        post_tasks: {
          req_per_second: apiRun.result.perSecond,
          p50_ms: percentile(apiRun.result.latencies, 50),
          p99_ms: percentile(apiRun.result.latencies, 99),
          statuses: apiRun.result.statuses,
          cpu_ms_per_task: perAccepted,
          load_average: apiRun.load,
        },
        ratio_to_bare: ratio,
      }),
    );
  } finally {
    await stack.stop();
    await db.$disconnect();
    await dropScratchDatabase();
  }
} finally {
  bare.kill();
  await redis.stop();
}
