// Live viewers on one orchestrator: how many SSE clients it holds, how fast they connect, and how
// long an event takes from XADD to the last of them.
//   node bench/sse-fanout.ts [--levels 1000,3000,10000] [--broadcasts 5] [--open-concurrency 200]
// Own database, own redis-server (default maxclients 10,000, like a stock Redis), the orchestrator
// as its own process. For each level: N clients open GET /v1/tasks/:id/events on one queued task
// (plain sockets, so the clients cost as little as possible) and read its history; then
// --broadcasts progress frames are appended to the stream one after the other (each once every
// viewer has the previous one, or after 15 s), each stamped with its
// XADD time, and every client's arrival time of each is recorded. Per level: accept time (first
// request to the last client holding its history), connections reset, the orchestrator's RSS,
// Redis' connected clients and its CPU per event, and broadcast latency p50/p99/max over every
// (client, event). Last line: one JSON object with every figure.
import net from "node:net";
import { parseArgs } from "node:util";
import { TERMINAL_TASK_EVENTS } from "@threads-agent/contracts";
import { createDb, seedPersonas } from "@threads-agent/db";
import { EventLog } from "@threads-agent/events";
import { startStack } from "@threads-agent/stack";
import { Redis } from "ioredis";
import { cpuMs, loadAverage, rssMiB, startOwnRedis } from "./proc.ts";
import { createScratchDatabase, databaseUrl, dropScratchDatabase, prefix } from "./scratch.ts";
import { fmt, maximum, percentile } from "./stats.ts";

const { values } = parseArgs({
  options: {
    levels: { type: "string", default: "1000,3000,10000" },
    broadcasts: { type: "string", default: "5" },
    "open-concurrency": { type: "string", default: "200" },
    "connect-timeout": { type: "string", default: "60" },
  },
});
const LEVELS = values.levels.split(",").map(Number);
const BROADCASTS = Number(values.broadcasts);
const OPEN_CONCURRENCY = Number(values["open-concurrency"]);
const CONNECT_TIMEOUT_MS = Number(values["connect-timeout"]) * 1000;
const now = () => performance.timeOrigin + performance.now();

type Viewer = { socket: net.Socket; ready: boolean; closed: boolean; reset: boolean; tail: string; arrivals: Map<number, number> };

function openViewer(port: number, path: string, onReady: () => void, expect: () => number | null): Viewer {
  const socket = net.connect(port, "127.0.0.1");
  const viewer: Viewer = { socket, ready: false, closed: false, reset: false, tail: "", arrivals: new Map() };
  socket.setEncoding("utf8");
  socket.on("connect", () => socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n`));
  socket.on("data", (chunk: string) => {
    const text = viewer.tail + chunk;
    viewer.tail = text.slice(-64);
    if (!viewer.ready && text.includes("task.queued")) {
      viewer.ready = true;
      onReady();
    }
    const k = expect();
    if (k !== null && !viewer.arrivals.has(k) && text.includes(`"bcast-${k}"`)) viewer.arrivals.set(k, now());
  });
  socket.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "ECONNRESET" || err.code === "EPIPE") viewer.reset = true;
  });
  socket.on("close", () => {
    viewer.closed = true;
  });
  return viewer;
}

async function level(options: {
  n: number;
  port: number;
  taskId: string;
  log: EventLog;
  redis: Redis;
  redisPid: number;
  orchestratorPid: number;
}) {
  const { n, port, taskId, log, redis } = options;
  const load = loadAverage();
  const viewers: Viewer[] = [];
  let ready = 0;
  let current: number | null = null;
  let allReady!: () => void;
  const readyPromise = new Promise<void>((resolve) => {
    allReady = resolve;
  });
  const onReady = () => {
    if (++ready === n) allReady();
  };
  const t0 = performance.now();
  // Opened at most OPEN_CONCURRENCY at a time (a crowd of browsers does not arrive in one SYN burst).
  let opened = 0;
  await new Promise<void>((resolve) => {
    const openMore = () => {
      while (opened < n && opened - ready < OPEN_CONCURRENCY) {
        opened++;
        viewers.push(
          openViewer(
            port,
            `/v1/tasks/${taskId}/events`,
            () => {
              onReady();
              openMore();
            },
            () => current,
          ),
        );
      }
      if (opened === n) resolve();
    };
    openMore();
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    readyPromise.then(() => false),
    new Promise<boolean>((r) => {
      timer = setTimeout(() => r(true), CONNECT_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  const acceptSeconds = (performance.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 500));
  const clients = Number(/connected_clients:(\d+)/.exec((await redis.info("clients")) as string)?.[1] ?? 0);
  const rss = rssMiB(options.orchestratorPid);

  const latencies: number[] = [];
  const perEventMax: number[] = [];
  const redisBefore = cpuMs(options.redisPid);
  const orchestratorBefore = cpuMs(options.orchestratorPid);
  for (let k = 0; k < BROADCASTS; k++) {
    current = k;
    const sentAt = now();
    await log.append("task", taskId, { type: "step.delta", step: "body", text: `bcast-${k}` });
    // Until every connected viewer has it (or 15 s), then a pause before the next one.
    const until = performance.now() + 15_000;
    while (performance.now() < until && viewers.some((v) => v.ready && !v.closed && !v.arrivals.has(k)))
      await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 500));
    let worst = 0;
    for (const v of viewers) {
      const at = v.arrivals.get(k);
      if (at === undefined) continue;
      latencies.push(at - sentAt);
      worst = Math.max(worst, at - sentAt);
    }
    perEventMax.push(worst);
  }
  const redisCpuPerEvent = (cpuMs(options.redisPid) - redisBefore) / BROADCASTS;
  const orchestratorCpuPerEvent = (cpuMs(options.orchestratorPid) - orchestratorBefore) / BROADCASTS;
  const delivered = latencies.length;
  const reset = viewers.filter((v) => v.reset || (v.closed && !v.ready)).length;
  for (const v of viewers) v.socket.destroy();
  await new Promise((r) => setTimeout(r, 1500));
  return {
    viewers: n,
    connected: ready,
    timed_out: timedOut,
    accept_seconds: acceptSeconds,
    reset,
    orchestrator_rss_mib: rss,
    redis_clients: clients,
    redis_cpu_ms_per_event: redisCpuPerEvent,
    orchestrator_cpu_ms_per_event: orchestratorCpuPerEvent,
    delivered,
    expected: n * BROADCASTS,
    broadcast_ms: {
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: maximum(latencies),
    },
    load_average: load,
  };
}

const ownRedis = await startOwnRedis();
const redis = new Redis(ownRedis.url);
try {
  await createScratchDatabase();
  const db = createDb(databaseUrl);
  await seedPersonas(db);
  const stack = await startStack({
    // A shared, loaded machine can take a while to start a service.
    healthTimeoutMs: 180_000,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      REDIS_URL: ownRedis.url,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: "warn",
      RATE_LIMIT_MAX: "0",
    },
    services: ["orchestrator"],
    onLine: (service, text) => {
      if (/"level":"(error|fatal)"/.test(text)) console.error(`[${service}] ${text.slice(0, 300)}`);
    },
  });
  try {
    const res = await fetch(`${stack.urls.orchestrator}/v1/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ persona_id: "ai-elon", input: "SSE fan-out benchmark: one task, many viewers" }),
    });
    const task = (await res.json()) as { id: string };
    const log = new EventLog({ redis, prefix, isTerminal: (t) => TERMINAL_TASK_EVENTS.has(t) });
    const port = Number(new URL(stack.urls.orchestrator).port);
    console.log(`SSE fan-out benchmark: levels ${LEVELS.join(", ")}; ${BROADCASTS} broadcasts per level; one orchestrator process`);
    const results = [];
    for (const n of LEVELS) {
      const r = await level({
        n,
        port,
        taskId: task.id,
        log,
        redis,
        redisPid: ownRedis.pid,
        orchestratorPid: stack.pid("orchestrator") as number,
      });
      results.push(r);
      console.log(
        `${String(n).padStart(6)} viewers: connected ${r.connected}${r.timed_out ? " (timed out)" : ""} in ${fmt(r.accept_seconds, 2)} s, reset ${r.reset}, ` +
          `orchestrator RSS ${fmt(r.orchestrator_rss_mib, 0)} MiB, Redis clients ${r.redis_clients}, ` +
          `broadcast p50 ${fmt(r.broadcast_ms.p50)} ms p99 ${fmt(r.broadcast_ms.p99)} ms max ${fmt(r.broadcast_ms.max)} ms ` +
          `(${r.delivered}/${r.expected} delivered), CPU per event: Redis ${fmt(r.redis_cpu_ms_per_event, 1)} ms, orchestrator ${fmt(r.orchestrator_cpu_ms_per_event, 1)} ms  (load ${r.load_average.join(" ")})`,
      );
    }
    console.log(JSON.stringify({ bench: "sse-fanout", broadcasts: BROADCASTS, levels: results }));
  } finally {
    await stack.stop();
    await db.$disconnect();
    await dropScratchDatabase();
  }
} finally {
  redis.disconnect();
  await ownRedis.stop();
}
