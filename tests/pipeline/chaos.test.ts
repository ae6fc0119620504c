// The chaos suite: the fault runs of issue 14 as tests. Real processes, real Redis and PostgreSQL;
// faults are SIGKILL/SIGTERM of our own processes, a Redis of the test's own, a TCP proxy in front
// of PostgreSQL. CI runs the small sizes; `scripts/chaos` (`just chaos`) runs the same scenarios at
// full size (CHAOS_SIZE=full), plus Redis restarted empty and PostgreSQL unreachable (their small
// sizes are in data-path.test.ts), and prints the table. Every scenario reports accepted,
// succeeded, failed with reason, stuck, duplicate posts and duplicate publishes.
import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { createDb, type Db } from "@threads-agent/db";
import { freePort } from "@threads-agent/stack";
import { testEnv, waitFor } from "@threads-agent/testing";
import { afterEach, describe, expect, it } from "vitest";
import { countIn, type Figures, figures, histories, logLines, report, submit, TERMINAL } from "./chaos-figures.ts";
import { type OwnRedis, startOwnRedis } from "./own-redis.ts";
import { type Fixture, MANY_SIMILAR_POSTS, startPipeline } from "./stack-fixture.ts";
import { startTcpProxy } from "./tcp-proxy.ts";

const FULL = process.env.CHAOS_SIZE === "full";
const SIZE = {
  sigkill: FULL ? 2000 : 300,
  outageTasks: FULL ? 400 : 60,
  outageMs: FULL ? 40_000 : 6_000,
  inFlight: 16,
  redisRestart: FULL ? 1000 : 0,
  pgTasks: FULL ? 400 : 0,
  pgOutageMs: 45_000,
};
const WAIT_ALL_MS = FULL ? 900_000 : 240_000;
// No quota deferrals in these runs: each account may publish everything the scenario sends.
const THREADS = { PUBLISH_QUOTA: "1000000" };
const ACTIVE = ["queued", "running", "deferred"] as const;
const clean = (f: Figures) => ({
  accepted: f.accepted,
  succeeded: f.succeeded,
  failed: f.failed,
  stuck: f.stuck,
  duplicatePosts: f.duplicatePosts,
  duplicatePublishes: f.duplicatePublishes,
});

let f: Fixture | undefined;
let db: Db | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  await f?.stack.stop();
  await db?.$disconnect();
  f = undefined;
  db = undefined;
});

async function allEnded(client: Db, ids: string[], timeoutMs = WAIT_ALL_MS): Promise<void> {
  await waitFor("every accepted task to end", async () => (await countIn(client, ids, ACTIVE)) === 0, timeoutMs, 250);
}

describe("chaos", () => {
  it(`loses and duplicates nothing when the worker is SIGKILLed 3 times during ${SIZE.sigkill} tasks`, async () => {
    f = await startPipeline({ ...MANY_SIMILAR_POSTS, WORKER_CONCURRENCY: "8" }, undefined, {
      "persona-runtime": { OFFLINE_STREAM_DELAY_MS: "2" },
      "fake-threads": THREADS,
    });
    db = createDb(f.env.databaseUrl, { poolSize: 4 });
    const [fixture, client] = [f, db];
    const ids: string[] = [];
    const started = Date.now();
    const submitting = submit(fixture, SIZE.sigkill, "sigkill", ids);
    const killed: number[] = [];
    for (let k = 1; k <= 3; k++) {
      // Each kill lands while tasks are in flight: after another quarter of them finished.
      const mark = Math.floor((SIZE.sigkill * k) / 4);
      await waitFor(`${mark} tasks to finish`, async () => (await countIn(client, ids, TERMINAL)) >= mark, WAIT_ALL_MS, 50);
      killed.push(await countIn(client, ids, ["running"]));
      await fixture.stack.kill("worker", "SIGKILL");
      await fixture.stack.start("worker");
    }
    await submitting;
    await allEnded(client, ids);
    const result = await figures(fixture, client, "worker SIGKILL x3", ids, started);
    result.notes = `running at each kill: ${killed.join(", ")}`;
    report(result);
    expect(clean(result)).toEqual({
      accepted: SIZE.sigkill,
      succeeded: SIZE.sigkill,
      failed: 0,
      stuck: 0,
      duplicatePosts: 0,
      duplicatePublishes: 0,
    });
  }, 1_200_000);

  it(`holds ${SIZE.outageTasks} tasks behind the breaker while persona-runtime is down longer than the retry budget: none fails`, async () => {
    // Retry budget: 3 attempts, 200 + 400 ms of backoff (the fixture); the outage lasts far longer.
    f = await startPipeline(
      { ...MANY_SIMILAR_POSTS, WORKER_CONCURRENCY: "8", ...(FULL ? {} : { BREAKER_OPEN_MS: "500", BREAKER_MAX_OPEN_MS: "2000" }) },
      undefined,
      { "persona-runtime": { OFFLINE_STREAM_DELAY_MS: "5" }, "fake-threads": THREADS },
    );
    db = createDb(f.env.databaseUrl, { poolSize: 4 });
    const [fixture, client] = [f, db];
    const ids: string[] = [];
    const started = Date.now();
    const half = Math.floor(SIZE.outageTasks / 2);
    await submit(fixture, half, "outage-before", ids);
    await waitFor("some tasks to finish", async () => (await countIn(client, ids, ["succeeded"])) >= 5, 60_000, 25);
    await fixture.stack.kill("persona-runtime", "SIGKILL");
    const downAt = Date.now();
    // Accepted while it is down, too.
    await submit(fixture, SIZE.outageTasks - half, "outage-during", ids);
    const ready = await waitFor(
      "the worker's /ready to name persona-runtime",
      async () => {
        const res = await fetch(`${fixture.stack.urls.worker}/ready`);
        const body = (await res.json()) as { checks?: Record<string, string> };
        return res.status === 503 && body.checks?.["persona-runtime"] !== "ok" ? body : null;
      },
      30_000,
      100,
    );
    expect(ready.checks?.redis).toBe("ok");
    await new Promise((r) => setTimeout(r, Math.max(0, SIZE.outageMs - (Date.now() - downAt))));
    const failedDuringOutage = await countIn(client, ids, ["failed"]);
    await fixture.stack.start("persona-runtime");
    const backAt = Date.now();
    await allEnded(client, ids);

    const result = await figures(fixture, client, `persona-runtime down ${SIZE.outageMs / 1000} s`, ids, started);
    const changes = logLines(fixture, "worker", [
      "circuit breaker open: taking no jobs",
      "circuit breaker half-open: one probe job",
      "circuit breaker closed: taking jobs again",
    ]).map((l) => `${l.dependency} ${l.from}>${l.to} at +${((Date.parse(String(l.time)) - downAt) / 1000).toFixed(1)} s`);
    const events = await histories(fixture, ids);
    const waited = [...events.values()].filter((h) => h.some((e) => e.type === "task.waiting"));
    result.notes = `back at +${((backAt - downAt) / 1000).toFixed(1)} s; ${waited.length} tasks waited; /ready during the outage: ${JSON.stringify(ready)}; breaker: ${changes.join("; ")}`;
    report(result);
    expect(failedDuringOutage).toBe(0);
    expect(clean(result)).toEqual({
      accepted: SIZE.outageTasks,
      succeeded: SIZE.outageTasks,
      failed: 0,
      stuck: 0,
      duplicatePosts: 0,
      duplicatePublishes: 0,
    });
    // Viewers were told why: task.waiting naming persona-runtime, then the task went on to succeed.
    expect(waited.length).toBeGreaterThan(0);
    for (const history of waited) {
      const waiting = history.find((e) => e.type === "task.waiting");
      expect(waiting).toMatchObject({ dependency: "persona-runtime", reason: expect.stringMatching(/persona-runtime/) });
      expect(Date.parse(String(waiting?.retry_at))).not.toBeNaN();
      expect(history.at(-1)?.type).toBe("task.succeeded");
      expect(history.map((e) => e.type)).not.toContain("task.failed");
    }
    // The breaker opened, probed half-open, and closed once persona-runtime was back.
    expect(changes.some((c) => c.startsWith("persona-runtime closed>open"))).toBe(true);
    expect(changes.some((c) => c.startsWith("persona-runtime half_open>closed"))).toBe(true);
    // The other dependencies' breakers were never touched: the failures were persona-runtime's alone.
    expect(changes.filter((c) => !c.startsWith("persona-runtime "))).toEqual([]);
  }, 1_200_000);

  it(`hands ${SIZE.inFlight} in-flight jobs back at SIGTERM with a grace far below the lock: another worker takes them without waiting for their locks`, async () => {
    // Locks and stalled checks far longer than the grace: a takeover through lock expiry would show as a stalled job.
    const workerEnv = {
      ...MANY_SIMILAR_POSTS,
      WORKER_CONCURRENCY: String(SIZE.inFlight),
      WORKER_LOCK_MS: "120000",
      WORKER_STALLED_INTERVAL_MS: "60000",
      // Hand back 10 s after SIGTERM, 10 s before the grace ends (room for a loaded machine), all far below the lock.
      SHUTDOWN_GRACE_MS: "20000",
      SHUTDOWN_HANDBACK_MS: "10000",
      // A generation here takes longer than the fixture's 10 s deadline.
      PERSONA_RUNTIME_TIMEOUT_MS: "180000",
    };
    f = await startPipeline(workerEnv, undefined, {
      // Slow generation (about 25 s per task), so every job is still mid-flight when it is handed back.
      // (its model-call deadline raised to match: a slow step must not count as a model-provider outage).
      "persona-runtime": { OFFLINE_STREAM_DELAY_MS: "500", LLM_TIMEOUT_MS: "180000" },
      "fake-threads": THREADS,
    });
    db = createDb(f.env.databaseUrl, { poolSize: 4 });
    const [fixture, client] = [f, db];
    const started = Date.now();
    const ids = await submit(fixture, SIZE.inFlight, "handback");
    await waitFor(
      `all ${SIZE.inFlight} tasks to be running`,
      async () => (await countIn(client, ids, ["running"])) === SIZE.inFlight,
      60_000,
      50,
    );

    // A second worker, idle until the first hands its jobs back.
    const second = await startWorker(fixture, workerEnv);
    cleanups.push(second.stop);
    await fixture.stack.kill("worker", "SIGTERM");
    await allEnded(client, ids).finally(() => {
      if (process.env.CHAOS_DEBUG) writeFileSync(process.env.CHAOS_DEBUG, [...fixture.logs, ...second.lines].join("\n"));
    });

    const result = await figures(fixture, client, `SIGTERM with ${SIZE.inFlight} in flight`, ids, started);
    const first = logLines(fixture, "worker", [
      "job handed back at shutdown",
      "shut down cleanly",
      "grace period over: exiting with work still open",
    ]);
    result.notes = `handed back: ${first.filter((l) => l.msg === "job handed back at shutdown").length}; stalled takeovers: ${second.stalled().length}`;
    report(result);
    expect(clean(result)).toEqual({
      accepted: SIZE.inFlight,
      succeeded: SIZE.inFlight,
      failed: 0,
      stuck: 0,
      duplicatePosts: 0,
      duplicatePublishes: 0,
    });
    // The first worker handed back every job still in flight at the end of its grace (on a busy
    // machine a few finish within the grace first) and exited cleanly within its grace period.
    const handedBackIds = new Set(first.filter((l) => l.msg === "job handed back at shutdown").map((l) => String(l.task_id)));
    expect(handedBackIds.size).toBeGreaterThan(0);
    expect(first.map((l) => l.msg)).toContain("shut down cleanly");
    expect(first.map((l) => l.msg)).not.toContain("grace period over: exiting with work still open");
    // The second one took them from the wait list, not through lock expiry (no stalled job), with no attempt spent.
    expect(second.stalled()).toEqual([]);
    const events = await histories(fixture, ids);
    for (const id of ids) {
      const history = events.get(id) ?? [];
      const types = history.map((e) => e.type);
      const handedBack = history.findIndex((e) => e.type === "task.queued" && /handed back at shutdown/.test(String(e.reason)));
      if (!handedBackIds.has(id)) {
        // Finished by the first worker within the grace: one start, no hand-back.
        expect(handedBack, id).toBe(-1);
        expect(
          types.filter((t) => t === "task.started"),
          id,
        ).toHaveLength(1);
        continue;
      }
      expect(handedBack, id).toBeGreaterThan(types.indexOf("task.started"));
      expect(types.slice(handedBack + 1), id).toEqual(["task.started", "task.succeeded"]);
      expect(history.filter((e) => e.type === "task.started").map((e) => e.attempt)).toEqual([1, 1]);
    }
    const rows = await client.task.findMany({ where: { id: { in: ids } }, select: { attempts: true } });
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
  }, 300_000);
});

if (FULL) {
  describe("chaos at full size: backing services", () => {
    let redis: OwnRedis | undefined;
    afterEach(async () => {
      await redis?.stop();
      redis = undefined;
    });

    it(`ends every one of ${SIZE.redisRestart} tasks when Redis restarts empty`, async () => {
      redis = await startOwnRedis();
      f = await startPipeline(
        { ...MANY_SIMILAR_POSTS, REDIS_URL: redis.url, WORKER_CONCURRENCY: "8", RECONCILE_AFTER_MS: "3000" },
        undefined,
        {
          "persona-runtime": { OFFLINE_STREAM_DELAY_MS: "2" },
          "fake-threads": THREADS,
        },
      );
      db = createDb(f.env.databaseUrl, { poolSize: 4 });
      const [fixture, client, own] = [f, db, redis];
      const started = Date.now();
      const ids = await submit(fixture, SIZE.redisRestart, "redis");
      await waitFor("a fifth to finish", async () => (await countIn(client, ids, TERMINAL)) >= SIZE.redisRestart / 5, WAIT_ALL_MS, 50);
      await own.stop();
      await new Promise((r) => setTimeout(r, 1500));
      await own.start();
      await allEnded(client, ids);
      const result = await figures(fixture, client, "Redis restarted empty", ids, started);
      report(result);
      expect(clean(result)).toMatchObject({ accepted: SIZE.redisRestart, stuck: 0, duplicatePosts: 0, duplicatePublishes: 0 });
      expect(result.succeeded + result.failed).toBe(SIZE.redisRestart);
    }, 1_200_000);

    it(`ends every one of ${SIZE.pgTasks} tasks when PostgreSQL is unreachable for ${SIZE.pgOutageMs / 1000} s`, async () => {
      const proxy = await startTcpProxy({ host: "127.0.0.1", port: 5432 });
      cleanups.push(proxy.close);
      const { databaseUrl } = testEnv();
      db = createDb(databaseUrl, { poolSize: 4 });
      const viaProxy = new URL(databaseUrl);
      viaProxy.host = `127.0.0.1:${proxy.port}`;
      f = await startPipeline(
        { ...MANY_SIMILAR_POSTS, DATABASE_URL: viaProxy.toString(), WORKER_CONCURRENCY: "8", RECONCILE_AFTER_MS: "2000" },
        undefined,
        {
          "persona-runtime": { OFFLINE_STREAM_DELAY_MS: "2" },
          "fake-threads": THREADS,
        },
      );
      const [fixture, client] = [f, db];
      const started = Date.now();
      const ids = await submit(fixture, SIZE.pgTasks, "pg");
      await waitFor("a fifth to finish", async () => (await countIn(client, ids, TERMINAL)) >= SIZE.pgTasks / 5, WAIT_ALL_MS, 50);
      proxy.cut();
      await new Promise((r) => setTimeout(r, SIZE.pgOutageMs));
      proxy.restore();
      await allEnded(client, ids);
      const result = await figures(fixture, client, `PostgreSQL unreachable ${SIZE.pgOutageMs / 1000} s`, ids, started);
      report(result);
      expect(clean(result)).toMatchObject({ accepted: SIZE.pgTasks, stuck: 0, duplicatePosts: 0, duplicatePublishes: 0 });
      expect(result.succeeded + result.failed).toBe(SIZE.pgTasks);
    }, 1_200_000);
  });
}

/** Another worker process on the fixture's stack, with its own ops port; `stalled()` lists the stalled jobs it took over. */
async function startWorker(fixture: Fixture, extraEnv: Record<string, string>) {
  const port = await freePort();
  const entry = path.resolve(import.meta.dirname, "../../services/worker/src/main.ts");
  const child: ChildProcess = spawn(process.execPath, [entry], {
    env: { ...process.env, ...fixture.stack.env, ...extraEnv, METRICS_PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr])
    if (stream) readline.createInterface({ input: stream }).on("line", (l) => lines.push(l));
  await waitFor(
    "the second worker to be ready",
    async () => (await fetch(`http://127.0.0.1:${port}/ready`).catch(() => null))?.ok,
    30_000,
    100,
  );
  return {
    lines,
    stalled: () => lines.filter((l) => l.includes("job stalled")),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
