// Content pipeline throughput, end to end with the offline provider, next to raw BullMQ no-op jobs
// measured in the same run on the same Redis:
//   node bench/pipeline-throughput.ts [--tasks 1000] [--concurrency 16]
// Starts its own stack on free ports with its own database and Redis prefix, and removes both.
import { parseArgs } from "node:util";
import { createDb, seedPersonas } from "@threads-agent/db";
import { startStack } from "@threads-agent/stack";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { createScratchDatabase, databaseUrl, deleteScratchKeys, dropScratchDatabase, prefix, redisUrl } from "./scratch.ts";
import { fmt, pool, summary } from "./stats.ts";

const { values } = parseArgs({
  options: {
    tasks: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "16" },
    "baseline-jobs": { type: "string", default: "20000" },
  },
});
const TASKS = Number(values.tasks);
const CONCURRENCY = Number(values.concurrency);
const BASELINE_JOBS = Number(values["baseline-jobs"]);

/** Raw BullMQ: addBulk then a no-op worker at concurrency 50. The ceiling for any queue-driven pipeline. */
async function baseline() {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue("baseline", { connection, prefix });
  const t0 = performance.now();
  for (let i = 0; i < BASELINE_JOBS; i += 1000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1000, BASELINE_JOBS - i) }, (_, j) => ({
        name: "noop",
        data: { i: i + j },
        opts: { removeOnComplete: true },
      })),
    );
  }
  const addSeconds = (performance.now() - t0) / 1000;
  let done = 0;
  const t1 = performance.now();
  const finished = new Promise<void>((resolve) => {
    const worker = new Worker("baseline", async () => {}, {
      connection: new Redis(redisUrl, { maxRetriesPerRequest: null }),
      prefix,
      concurrency: 50,
    });
    worker.on("completed", () => {
      if (++done === BASELINE_JOBS) void worker.close().then(resolve);
    });
  });
  await finished;
  const runSeconds = (performance.now() - t1) / 1000;
  await queue.close();
  connection.disconnect();
  return { addPerSecond: BASELINE_JOBS / addSeconds, processPerSecond: BASELINE_JOBS / runSeconds };
}

async function pipeline() {
  await createScratchDatabase();
  const db = createDb(databaseUrl);
  await seedPersonas(db);

  const stack = await startStack({
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: "warn",
      RATE_LIMIT_MAX: "0",
      WORKER_CONCURRENCY: String(CONCURRENCY),
      OFFLINE_STREAM_DELAY_MS: "0",
    },
    services: ["fake-threads", "persona-runtime", "worker", "orchestrator"],
    onLine: (service, line) => {
      if (/"level":"(error|fatal)"/.test(line)) console.error(`[${service}] ${line}`);
    },
  });
  const api = stack.urls.orchestrator;
  const inputs = Array.from({ length: TASKS }, (_, i) => ({
    persona_id: i % 2 ? "ai-jesus" : "ai-elon",
    input: `Benchmark trend #${i}: teams adopting AI code review report faster merges and fewer regressions`,
  }));
  const createMs: number[] = [];
  const t0 = performance.now();
  await pool(inputs, 32, async (body) => {
    const start = performance.now();
    const res = await fetch(`${api}/v1/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    if (res.status !== 202) throw new Error(`POST /v1/tasks answered ${res.status}`);
    createMs.push(performance.now() - start);
  });
  const acceptedSeconds = (performance.now() - t0) / 1000;
  for (;;) {
    const open = await db.task.count({ where: { status: { in: ["queued", "running"] } } });
    if (open === 0) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const totalSeconds = (performance.now() - t0) / 1000;
  const byStatus = await db.task.groupBy({ by: ["status"], _count: true });
  const rows = await db.task.findMany({ select: { created_at: true, finished_at: true } });
  const endToEndMs = rows.filter((r) => r.finished_at).map((r) => (r.finished_at as Date).getTime() - r.created_at.getTime());
  const memory: Record<string, number> = {};
  for (const [name, base] of Object.entries(stack.urls)) {
    const text = await (await fetch(`${base}/metrics`)).text();
    const rss = /^process_resident_memory_bytes(?:\{[^}]*\})? (\d+(?:\.\d+)?(?:e\+\d+)?)/m.exec(text);
    if (rss) memory[name] = Number(rss[1]) / 1024 / 1024;
  }
  await stack.stop();
  await db.$disconnect();
  await dropScratchDatabase();
  return { acceptedSeconds, totalSeconds, createMs, endToEndMs, byStatus, memory };
}

try {
  console.log(
    `threads-agent pipeline benchmark: ${TASKS} tasks, worker concurrency ${CONCURRENCY}, offline provider; baseline ${BASELINE_JOBS} raw BullMQ no-op jobs`,
  );
  const base = await baseline();
  const run = await pipeline();
  const tasksPerSecond = TASKS / run.totalSeconds;
  console.log(`
baseline (raw BullMQ, same Redis, same run)
  addBulk:                 ${fmt(base.addPerSecond, 0)} jobs/s
  no-op worker (c=50):     ${fmt(base.processPerSecond, 0)} jobs/s

content pipeline (orchestrator -> BullMQ -> worker -> persona-runtime -> fake-threads, PostgreSQL)
  end to end:              ${fmt(tasksPerSecond)} tasks/s (${TASKS} tasks in ${fmt(run.totalSeconds, 2)} s)
  accepted by the API:     ${fmt(TASKS / run.acceptedSeconds)} tasks/s (32 concurrent clients)
  ${summary("POST /v1/tasks latency", run.createMs)}
  ${summary("task latency (created -> finished)", run.endToEndMs)}
  final status:            ${run.byStatus.map((s) => `${s.status} ${s._count}`).join(", ")}
  resident memory (MiB):   ${Object.entries(run.memory)
    .map(([n, m]) => `${n} ${fmt(m, 0)}`)
    .join(", ")}
  pipeline / raw BullMQ:   ${fmt((100 * tasksPerSecond) / base.processPerSecond, 2)} % of the no-op ceiling`);
} finally {
  await deleteScratchKeys();
}
