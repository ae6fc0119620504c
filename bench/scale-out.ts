// Does the pipeline scale out, or is it serialised somewhere? The same content tasks end to end
// with one persona-runtime, then with two (the worker balancing between them), every model call
// made heavier: the offline provider holds persona-runtime's event loop --hold-ms per call, as
// CPU-bound work would, but without taking a core (so that two instances on a 2-core machine are
// limited by their event loops, not by the machine):
//   node bench/scale-out.ts [--tasks 200] [--instances 1,2] [--hold-ms 60] [--concurrency 16]
// If nothing else serialises the pipeline (queue, worker, database, relay), N instances give close
// to N times the tasks/s of one. Own database and redis-server per level; exits by itself; last
// line: one JSON object with every figure.
import { parseArgs } from "node:util";
import { createDb, seedPersonas } from "@threads-agent/db";
import { type Stack, startStack } from "@threads-agent/stack";
import { contentRunEnv, printErrors, submitTasks, waitUntilSettled } from "./content-run.ts";
import { loadAverage, startOwnRedis } from "./proc.ts";
import { createScratchDatabase, databaseUrl, dropScratchDatabase, prefix } from "./scratch.ts";
import { fmt } from "./stats.ts";

const { values } = parseArgs({
  options: {
    tasks: { type: "string", default: "200" },
    instances: { type: "string", default: "1,2" },
    "hold-ms": { type: "string", default: "60" },
    concurrency: { type: "string", default: "16" },
  },
});
const TASKS = Number(values.tasks);
const INSTANCES = values.instances.split(",").map(Number);
const HOLD_MS = Number(values["hold-ms"]);
const CONCURRENCY = Number(values.concurrency);

type Level = { instances: number; seconds: number; tasksPerSecond: number; succeeded: number; load: number[] };

async function level(instances: number, redisUrl: string): Promise<Level> {
  await createScratchDatabase();
  const db = createDb(databaseUrl);
  await seedPersonas(db);
  const env = contentRunEnv(
    { url: redisUrl, prefix: `${prefix}-${instances}` },
    { WORKER_CONCURRENCY: String(CONCURRENCY), OFFLINE_HOLD_MS: String(HOLD_MS) },
  );
  const onLine = printErrors;
  // Each persona-runtime is a stack of its own (one process); the pipeline's stack has none and
  // its worker is given every instance's URL.
  const runtimes: Stack[] = [];
  let stack: Stack | undefined;
  try {
    for (let i = 0; i < instances; i++)
      runtimes.push(await startStack({ env, services: ["persona-runtime"], healthTimeoutMs: 180_000, onLine }));
    stack = await startStack({
      env: { ...env, PERSONA_RUNTIME_URL: runtimes.map((r) => r.urls["persona-runtime"]).join(",") },
      services: ["fake-threads", "worker", "orchestrator"],
      healthTimeoutMs: 180_000,
      onLine,
    });
    const api = stack.urls.orchestrator;
    const load = loadAverage();
    const t0 = performance.now();
    await submitTasks(
      api,
      Array.from({ length: TASKS }, (_, i) => ({
        persona_id: i % 2 ? "ai-jesus" : "ai-elon",
        input: `Scale-out trend #${i}: AI code review speeds up merges`,
      })),
      32,
    );
    await waitUntilSettled(db);
    const seconds = (performance.now() - t0) / 1000;
    const succeeded = await db.task.count({ where: { status: "succeeded" } });
    return { instances, seconds, tasksPerSecond: TASKS / seconds, succeeded, load };
  } finally {
    await stack?.stop();
    for (const r of runtimes) await r.stop();
    await db.$disconnect();
    await dropScratchDatabase();
  }
}

const redis = await startOwnRedis();
try {
  console.log(
    `scale-out benchmark: ${TASKS} tasks per level, persona-runtime instances ${INSTANCES.join(", ")}, each model call holding its event loop ${HOLD_MS} ms (two per task), worker concurrency ${CONCURRENCY}`,
  );
  const levels: Level[] = [];
  for (const n of INSTANCES) {
    const l = await level(n, redis.url);
    levels.push(l);
    const first = levels[0] as Level;
    console.log(
      `  ${String(n).padStart(2)} persona-runtime: ${fmt(l.tasksPerSecond, 2)} tasks/s (${l.succeeded}/${TASKS} succeeded in ${fmt(l.seconds, 1)} s), ${fmt(l.tasksPerSecond / first.tasksPerSecond, 2)}x the first level; ceiling of the held event loops ${fmt((n * 1000) / (2 * Math.max(1, HOLD_MS)), 1)} tasks/s  (load ${l.load.join(" ")})`,
    );
  }
  console.log(
    JSON.stringify({
      bench: "scale-out",
      tasks: TASKS,
      hold_ms: HOLD_MS,
      concurrency: CONCURRENCY,
      levels: levels.map((l) => ({
        instances: l.instances,
        tasks_per_second: l.tasksPerSecond,
        seconds: l.seconds,
        succeeded: l.succeeded,
        speedup: l.tasksPerSecond / (levels[0] as Level).tasksPerSecond,
        load_average: l.load,
      })),
    }),
  );
} finally {
  await redis.stop();
}
