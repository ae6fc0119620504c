// Agent runs through the public API, end to end in one process: the orchestrator's real app, the
// real launcher on the local backend, the real agent cloning a git repository created here.

import { buildApp, configSchema, createDeps, type OrchestratorDeps } from "@threads-agent/orchestrator";
import {
  createTestRepository,
  followSse,
  listen,
  readSse,
  type SseMessage,
  type TestRepository,
  testEnv,
  waitFor,
} from "@threads-agent/testing";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, isProcessAlive, localAgentBackend, startHarness } from "../../services/agent-launcher/src/testing/harness.ts";

let repo: TestRepository;
let harness: Harness;
let app: FastifyInstance;
let api = "";
let orchestrator: OrchestratorDeps;

beforeAll(async () => {
  repo = createTestRepository();
  harness = await startHarness({
    backend: localAgentBackend({
      workDir: "ta-api-e2e",
      paceMs: 10,
      // Variation 1 of a "[fail-1]" prompt fails the way a broken agent does.
      failing: ["-e", "console.error('fatal: cannot read the repository'); process.exit(4)"],
    }),
  });
  const env = testEnv();
  const config = configSchema.parse({
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    REDIS_PREFIX: harness.prefix,
    LOG_LEVEL: "silent",
    SSE_HEARTBEAT_MS: "250",
    ALLOW_FILE_REPOS: "true",
    REPO_HOST_ALLOWLIST: "github.com",
  });
  orchestrator = await createDeps(config, { dbPoolSize: 4 });
  app = await buildApp(orchestrator);
  api = (await listen(app)).url;
});

afterAll(async () => {
  await app?.close();
  await orchestrator?.close();
  await harness?.close();
  repo?.remove();
});

async function post(pathname: string, body?: unknown) {
  const res = await fetch(`${api}${pathname}`, {
    method: "POST",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { id: string } };
}
type RunBody = { status: string; winner: number | null; variations: { status: string; job: string }[] };
const get = async <T = RunBody>(pathname: string) => (await (await fetch(`${api}${pathname}`)).json()) as T;
const logsOf = (messages: SseMessage[], variation: number) =>
  messages.filter((m) => m.json.type === "variation.log" && m.json.variation === variation);

describe("agent runs through the API (local backend)", () => {
  it("3 variations stream live, one fails: partially_failed; the winner is recorded; the full log stays readable", async () => {
    const created = await post("/v1/runs", { repo_url: repo.url, prompt: "write down the repository layout [fail-1]", variations: 3 });
    expect(created.status).toBe(202);
    const { messages } = await readSse(`${api}/v1/runs/${created.body.id}/events`, { timeoutMs: 60_000 });

    expect(messages[0]?.json.type).toBe("run.queued");
    expect(messages.at(-1)?.json).toMatchObject({ type: "run.completed", status: "partially_failed" });
    for (const v of [0, 1, 2]) {
      const seqs = logsOf(messages, v).map((m) => m.json.seq);
      expect(seqs).toEqual(seqs.map((_, i) => i));
    }
    expect(messages.find((m) => m.json.type === "variation.failed")?.json).toMatchObject({
      variation: 1,
      exit_code: 4,
      reason: "the agent exited with code 4",
    });

    const run = await get(`/v1/runs/${created.body.id}`);
    expect(run).toMatchObject({ status: "partially_failed", winner: null });
    expect(run.variations.map((v) => v.status)).toEqual(["succeeded", "failed", "succeeded"]);

    const refused = await post(`/v1/runs/${created.body.id}/winner`, { variation: 1 });
    expect(refused.status).toBe(409);
    const chosen = await post(`/v1/runs/${created.body.id}/winner`, { variation: 2 });
    expect(chosen.status).toBe(200);
    expect((await get(`/v1/runs/${created.body.id}`)).winner).toBe(2);

    // Every streamed line is in the stored log, in order, after the workload is long gone.
    const log = await get<{ items: { seq: number; line: string }[] }>(`/v1/runs/${created.body.id}/variations/0/log?limit=5000`);
    expect(log.items.map((l) => [l.seq, l.line])).toEqual(logsOf(messages, 0).map((m) => [m.json.seq, m.json.line]));
  });

  it("cancel stops the running agent processes; the run ends cancelled", async () => {
    // "[hold]": agents that print until killed, so both are still running when the cancel lands.
    const created = await post("/v1/runs", { repo_url: repo.url, prompt: "index the TODO markers [hold]", variations: 2 });
    const { seen, done: reading } = followSse(`${api}/v1/runs/${created.body.id}/events`, { timeoutMs: 60_000 });
    await waitFor("both variations printing", () => logsOf(seen, 0).length > 3 && logsOf(seen, 1).length > 3, 60_000);
    const jobs = (await get(`/v1/runs/${created.body.id}`)).variations.map((v) => Number(v.job.slice("local:".length)));
    expect(jobs.every(isProcessAlive)).toBe(true);

    const cancelled = await post(`/v1/runs/${created.body.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: "cancelled" });
    expect((await reading).messages.at(-1)?.json.type).toBe("run.cancelled");
    await waitFor("agent processes gone", () => jobs.every((pid) => !isProcessAlive(pid)), 30_000);
    const again = await post(`/v1/runs/${created.body.id}/cancel`);
    expect(again.status).toBe(409);
  });
});
