// Content pipeline throughput, end to end with the offline provider, next to raw BullMQ no-op jobs
// measured in the same run on the same Redis:
//   node bench/pipeline-throughput.ts [--tasks 1000] [--concurrency 16] [--baseline-jobs 20000]
// Starts its own stack on free ports with its own database and its own redis-server (so Redis' CPU
// is this run's alone), removes both, and exits. Besides the table it prints the CPU milliseconds
// per task of every process (from /proc: each service, the PostgreSQL backends of its database,
// Redis) and, last, one JSON line with every figure.
import { parseArgs } from "node:util";
import { createDb, seedPersonas } from "@threads-agent/db";
import { type ServiceName, startStack } from "@threads-agent/stack";
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { contentRunEnv, printErrors, submitTasks, waitUntilSettled } from "./content-run.ts";
import { CpuMeter, cpuMs, loadAverage, postgresBackends, rssMiB, startOwnRedis } from "./proc.ts";
import { adminUrl, createScratchDatabase, databaseName, databaseUrl, dropScratchDatabase, prefix } from "./scratch.ts";
import { fmt, percentile, summary } from "./stats.ts";

const { values } = parseArgs({
  options: {
    tasks: { type: "string", default: "1000" },
    concurrency: { type: "string", default: "16" },
    "baseline-jobs": { type: "string", default: "20000" },
    "api-clients": { type: "string", default: "32" },
  },
});
const TASKS = Number(values.tasks);
const CONCURRENCY = Number(values.concurrency);
const BASELINE_JOBS = Number(values["baseline-jobs"]);
const API_CLIENTS = Number(values["api-clients"]);
const SERVICES: ServiceName[] = ["fake-threads", "persona-runtime", "worker", "orchestrator"];

/** Raw BullMQ: addBulk then a no-op worker at concurrency 50. The ceiling for any queue-driven pipeline. */
async function baseline(redisUrl: string) {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: null });
  const workerConnection = new Redis(redisUrl, { maxRetriesPerRequest: null });
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
  let worker: Worker | undefined;
  await new Promise<void>((resolve) => {
    worker = new Worker("baseline", async () => {}, { connection: workerConnection, prefix, concurrency: 50 });
    worker.on("completed", () => {
      if (++done === BASELINE_JOBS) resolve();
    });
  });
  const runSeconds = (performance.now() - t1) / 1000;
  await worker?.close();
  await queue.close();
  // Connections passed in are the caller's to close (bullmq leaves them open).
  workerConnection.disconnect();
  connection.disconnect();
  return { addPerSecond: BASELINE_JOBS / addSeconds, processPerSecond: BASELINE_JOBS / runSeconds };
}

async function pipeline(redis: { url: string; pid: number }) {
  await createScratchDatabase();
  const db = createDb(databaseUrl);
  await seedPersonas(db);

  const stack = await startStack({
    // A shared, loaded machine can take a while to start a service.
    healthTimeoutMs: 180_000,
    env: contentRunEnv({ url: redis.url, prefix }, { WORKER_CONCURRENCY: String(CONCURRENCY) }),
    services: SERVICES,
    onLine: printErrors,
  });
  try {
    const api = stack.urls.orchestrator;
    const ready: Record<string, number> = {};
    for (const name of SERVICES) ready[name] = rssMiB(stack.pid(name) as number);
    const meter = new CpuMeter(async () => ({
      ...Object.fromEntries(SERVICES.map((name) => [name, [stack.pid(name) as number]])),
      postgres: await postgresBackends(adminUrl, databaseName),
      redis: [redis.pid],
    }));
    const inputs = Array.from({ length: TASKS }, (_, i) => ({
      persona_id: i % 2 ? "ai-jesus" : "ai-elon",
      input: `Benchmark trend #${i}: teams adopting AI code review report faster merges and fewer regressions`,
    }));
    const load = loadAverage();
    const selfBefore = cpuMs(process.pid);
    await meter.start();
    const t0 = performance.now();
    const createMs = await submitTasks(api, inputs, API_CLIENTS);
    const acceptedSeconds = (performance.now() - t0) / 1000;
    await waitUntilSettled(db);
    const totalSeconds = (performance.now() - t0) / 1000;
    const cpu = await meter.stop();
    const benchCpu = cpuMs(process.pid) - selfBefore;
    const byStatus = await db.task.groupBy({ by: ["status"], _count: true });
    const rows = await db.task.findMany({ select: { created_at: true, finished_at: true } });
    const endToEndMs = rows.filter((r) => r.finished_at).map((r) => (r.finished_at as Date).getTime() - r.created_at.getTime());
    const memory: Record<string, number> = {};
    for (const name of SERVICES) memory[name] = rssMiB(stack.pid(name) as number);
    return { acceptedSeconds, totalSeconds, createMs, endToEndMs, byStatus, memory, ready, cpu, benchCpu, load, loadAfter: loadAverage() };
  } finally {
    await stack.stop();
    await db.$disconnect();
    await dropScratchDatabase();
  }
}

const redis = await startOwnRedis();
try {
  console.log(
    `threads-agent pipeline benchmark: ${TASKS} tasks, worker concurrency ${CONCURRENCY}, offline provider; baseline ${BASELINE_JOBS} raw BullMQ no-op jobs`,
  );
  const base = await baseline(redis.url);
  const run = await pipeline(redis);
  const tasksPerSecond = TASKS / run.totalSeconds;
  const perTask = Object.fromEntries(Object.entries(run.cpu).map(([name, ms]) => [name, ms / TASKS]));
  const totalPerTask = Object.values(perTask).reduce((a, b) => a + b, 0);
  console.log(`
baseline (raw BullMQ, same Redis, same run)
  addBulk:                 ${fmt(base.addPerSecond, 0)} jobs/s
  no-op worker (c=50):     ${fmt(base.processPerSecond, 0)} jobs/s

content pipeline (orchestrator -> BullMQ -> worker -> persona-runtime -> fake-threads, PostgreSQL)
  load average:            ${run.load.join(" ")} at the start, ${run.loadAfter.join(" ")} at the end (the machine is shared)
  end to end:              ${fmt(tasksPerSecond)} tasks/s (${TASKS} tasks in ${fmt(run.totalSeconds, 2)} s)
  accepted by the API:     ${fmt(TASKS / run.acceptedSeconds)} tasks/s (${API_CLIENTS} concurrent clients)
  ${summary("POST /v1/tasks latency", run.createMs)}
  ${summary("task latency (created -> finished)", run.endToEndMs)}
  final status:            ${run.byStatus.map((s) => `${s.status} ${s._count}`).join(", ")}
  CPU ms per task:         ${fmt(totalPerTask, 2)} in all: ${Object.entries(perTask)
    .map(([n, ms]) => `${n} ${fmt(ms, 2)}`)
    .join(", ")} (load generator ${fmt(run.benchCpu / TASKS, 2)}, not counted)
  resident memory (MiB):   at ready ${Object.entries(run.ready)
    .map(([n, m]) => `${n} ${fmt(m, 0)}`)
    .join(", ")}; after ${Object.entries(run.memory)
    .map(([n, m]) => `${n} ${fmt(m, 0)}`)
    .join(", ")}
  pipeline / raw BullMQ:   ${fmt((100 * tasksPerSecond) / base.processPerSecond, 2)} % of the no-op ceiling`);
  console.log(
    JSON.stringify({
      bench: "pipeline-throughput",
      tasks: TASKS,
      concurrency: CONCURRENCY,
      load_average: run.load,
      load_average_end: run.loadAfter,
      tasks_per_second: tasksPerSecond,
      accepted_per_second: TASKS / run.acceptedSeconds,
      post_ms: { p50: percentile(run.createMs, 50), p99: percentile(run.createMs, 99) },
      task_ms: { p50: percentile(run.endToEndMs, 50), p99: percentile(run.endToEndMs, 99) },
      status: Object.fromEntries(run.byStatus.map((s) => [s.status, s._count])),
      cpu_ms_per_task: { total: totalPerTask, ...perTask },
      load_generator_cpu_ms_per_task: run.benchCpu / TASKS,
      rss_mib_ready: run.ready,
      rss_mib_end: run.memory,
      baseline: { add_per_second: base.addPerSecond, noop_per_second: base.processPerSecond },
      percent_of_noop: (100 * tasksPerSecond) / base.processPerSecond,
    }),
  );
} finally {
  await redis.stop();
}
