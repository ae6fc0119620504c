// Agent output, from an agent's stdout to a browser's SSE connection, through the real pieces:
// the launcher's local backend and output batching (PostgreSQL + Redis Streams) and the
// orchestrator's GET /v1/runs/:id/events.
//   node bench/agent-log-stream.ts [--lines 50000] [--variations 10] [--rate 100] [--seconds 10]
// 1. Throughput: one variation prints --lines lines as fast as it can; lines/s reaching one SSE client.
// 2. Latency: --variations variations each print --rate lines/s for --seconds; every line carries
//    its print time, the SSE client its arrival time: p50/p95/p99/max of stdout -> SSE.
// Each is printed next to a baseline measured in the same run: the same agents read straight
// from their pipes (the ceiling of any launcher). Own database and Redis prefix, removed afterwards.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createEmitter } from "@threads-agent/agent";
import {
  createLauncher,
  createDeps as createLauncherDeps,
  LocalBackend,
  configSchema as launcherConfig,
} from "@threads-agent/agent-launcher";
import { agentRunJobOptions, newId, TERMINAL_RUN_EVENTS } from "@threads-agent/contracts";
import { insertRun } from "@threads-agent/db";
import { createLogger } from "@threads-agent/observability";
import { buildApp, configSchema, createDeps as createOrchestratorDeps } from "@threads-agent/orchestrator";
import { createScratchDatabase, databaseUrl, deleteScratchKeys, dropScratchDatabase, prefix, redisUrl } from "./scratch.ts";
import { fmt, percentile, summary } from "./stats.ts";

const SELF = import.meta.filename;
const now = () => performance.timeOrigin + performance.now();

// ---- the fake agent: the real stdout protocol (createEmitter), scripted output ---------------
if (process.argv[2] === "--fake-agent") {
  const [, , , mode = "burst", a = "1000", b = "0"] = process.argv;
  const variation = Number(process.env.VARIATION ?? 0);
  const emit = createEmitter({ variation });
  const finish = () =>
    emit.result({ summary: "bench", diff: "", model: "offline", usage: { tokens_in: 0, tokens_out: 0, cost_usd: 0 }, calls: [] });
  if (mode === "burst") {
    for (let i = 0; i < Number(a); i++) await emit.log(`line ${i} of a burst, about the length of a real log line`);
    await finish();
  } else {
    // paced: `a` lines per second for `b` seconds, each stamped with its print time.
    const interval = 1000 / Number(a);
    const total = Math.round(Number(a) * Number(b));
    const start = now();
    for (let i = 0; i < total; i++) {
      const due = start + i * interval;
      const wait = due - now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      await emit.log(`t=${now().toFixed(3)} line ${i}`);
    }
    await finish();
  }
  await emit.flush();
  process.exit(0);
}

const { values } = parseArgs({
  options: {
    lines: { type: "string", default: "50000" },
    variations: { type: "string", default: "10" },
    rate: { type: "string", default: "100" },
    seconds: { type: "string", default: "10" },
  },
});
const LINES = Number(values.lines);
const VARIATIONS = Number(values.variations);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);

/** Baseline: the same fake agents, read straight from their pipes. */
async function pipeBaseline(args: string[][]): Promise<{ lines: number; seconds: number; latencies: number[] }> {
  const latencies: number[] = [];
  let lines = 0;
  const start = now();
  await Promise.all(
    args.map(
      (argv, variation) =>
        new Promise<void>((resolve) => {
          const child = spawn(process.execPath, [SELF, "--fake-agent", ...argv], { env: { ...process.env, VARIATION: String(variation) } });
          let buffer = "";
          child.stdout.setEncoding("utf8");
          child.stdout.on("data", (chunk: string) => {
            const arrived = now();
            buffer += chunk;
            const parts = buffer.split("\n");
            buffer = parts.pop() ?? "";
            for (const part of parts) {
              lines++;
              const stamp = /"t=([\d.]+) /.exec(part);
              if (stamp) latencies.push(arrived - Number(stamp[1]));
            }
          });
          child.on("close", () => resolve());
        }),
    ),
  );
  return { lines, seconds: (now() - start) / 1000, latencies };
}

type Measured = { logLines: number; firstAt: number; lastAt: number; latencies: number[]; printed: number[]; status: unknown };

/** Reads a run's SSE stream to its end, timing every variation.log. */
async function readRun(url: string): Promise<Measured> {
  const res = await fetch(url, { headers: { accept: "text/event-stream" } });
  if (!res.ok || !res.body) throw new Error(`SSE answered ${res.status}`);
  const decoder = new TextDecoder();
  const measured: Measured = { logLines: 0, firstAt: 0, lastAt: 0, latencies: [], printed: [], status: null };
  let buffer = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    const arrived = now();
    buffer += decoder.decode(chunk, { stream: true });
    let boundary: number;
    while ((boundary = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, boundary);
      buffer = buffer.slice(boundary + 2);
      const data = frame.split("\n").find((l) => l.startsWith("data: "));
      if (!data) continue;
      const event = JSON.parse(data.slice(6)) as { type: string; line?: string; status?: string };
      if (event.type === "variation.log") {
        measured.logLines++;
        measured.firstAt ||= arrived;
        measured.lastAt = arrived;
        const stamp = /^t=([\d.]+) /.exec(event.line ?? "");
        if (stamp) {
          measured.latencies.push(arrived - Number(stamp[1]));
          measured.printed.push(Number(stamp[1]));
        }
      }
      if (TERMINAL_RUN_EVENTS.has(event.type)) measured.status = event.status ?? event.type;
    }
  }
  return measured;
}

async function main() {
  await createScratchDatabase();
  const logger = createLogger({ service: "bench", level: "warn" });
  const workRoot = mkdtempSync(path.join(tmpdir(), "ta-bench-agents-"));
  const scripts = new Map<string, string[]>();
  const env = { DATABASE_URL: databaseUrl, REDIS_URL: redisUrl, REDIS_PREFIX: prefix, LOG_LEVEL: "warn", RUN_MAX_VARIATIONS: "50" };
  const launcherDeps = createLauncherDeps(launcherConfig.parse(env), {
    logger,
    dbPoolSize: 20,
    backend: () =>
      new LocalBackend({
        command: (spec) => [process.execPath, SELF, "--fake-agent", ...(scripts.get(spec.runId) ?? [])],
        env: { PATH: process.env.PATH ?? "" },
        workRoot,
        activeDeadlineSeconds: 600,
        logger,
      }),
  });
  const { db } = launcherDeps;
  const launcher = createLauncher(launcherDeps, { concurrency: 4 });
  await launcher.start();
  const orchestrator = await createOrchestratorDeps(configSchema.parse({ ...env, SSE_HEARTBEAT_MS: "5000" }), { logger });
  const app = await buildApp(orchestrator);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const api = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

  /** A run straight into the tables and the queue, as POST /v1/runs leaves it (no repository is cloned). */
  const startRun = async (variations: number, argv: string[]) => {
    const id = newId();
    scripts.set(id, argv);
    const created = await insertRun(db, {
      id,
      repo_url: "https://github.com/bench/agent-log-stream",
      prompt: "bench",
      trace: {},
      variations: Array.from({ length: variations }, (_, index) => ({ id: newId(), index, model: null, temperature: 0.5 })),
    });
    await launcherDeps.relay.announce([created.announcement]);
    const reading = readRun(`${api}/v1/runs/${id}/events`);
    const started = now();
    await launcher.queue.add("run", { run_id: id }, agentRunJobOptions(id));
    return { measured: await reading, started };
  };

  try {
    console.log(`agent log streaming, ${new Date().toISOString()}, node ${process.version}`);

    // 1. One variation, as fast as it can print.
    const ceiling = await pipeBaseline([["burst", String(LINES)]]);
    const one = await startRun(1, ["burst", String(LINES)]);
    const streamSeconds = (one.measured.lastAt - one.measured.firstAt) / 1000;
    const wholeSeconds = (one.measured.lastAt - one.started) / 1000;
    console.log(`\n1 variation, ${LINES.toLocaleString("en-US")} lines printed as fast as possible (run ${String(one.measured.status)})`);
    console.log(`  baseline, agent stdout read from its pipe: ${fmt(ceiling.lines / ceiling.seconds, 0)} lines/s`);
    console.log(
      `  stdout -> stored -> SSE client:            ${fmt(one.measured.logLines / streamSeconds, 0)} lines/s while streaming ` +
        `(${fmt(one.measured.logLines / wholeSeconds, 0)} lines/s including agent start; ${one.measured.logLines} lines received)`,
    );

    // 2. Ten variations at once, paced, every line timed.
    const paced = ["paced", String(RATE), String(SECONDS)];
    const direct = await pipeBaseline(Array.from({ length: VARIATIONS }, () => paced));
    const many = await startRun(VARIATIONS, paced);
    console.log(
      `\n${VARIATIONS} variations at once, ${RATE} lines/s each for ${SECONDS} s (${fmt(VARIATIONS * RATE, 0)} lines/s in total; run ${String(many.measured.status)})`,
    );
    console.log(`  baseline, stdout -> reader through the pipe: ${summary("latency", direct.latencies)}`);
    console.log(`  stdout -> stored -> SSE client:              ${summary("latency", many.measured.latencies)}`);
    const firstPrint = Math.min(...many.measured.printed);
    const steady = many.measured.latencies.filter((_, i) => (many.measured.printed[i] as number) - firstPrint > 2000);
    console.log(`  the same after the agents' first 2 s (start-up done): ${summary("latency", steady)}`);
    console.log(
      `  lines received ${many.measured.latencies.length} of ${VARIATIONS * Math.round(RATE * SECONDS)}; p99 ${fmt(percentile(many.measured.latencies, 99))} ms`,
    );
  } finally {
    await app.close();
    await launcher.close();
    await launcherDeps.close();
    await orchestrator.close();
    await deleteScratchKeys();
    rmSync(workRoot, { recursive: true, force: true });
    await dropScratchDatabase();
  }
}

await main();
