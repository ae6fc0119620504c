// Every HTTP server of the platform, built through each service's own composition (buildApp,
// startOpsServer) against this test run's PostgreSQL and Redis, listening on loopback: the targets
// of the hostile-input campaign. Routes are read from each app as it registered them.
import { randomBytes } from "node:crypto";
import { createDb, DEFAULT_PERSONAS } from "@threads-agent/db";
import { buildApp as buildFakeThreads, DEV_ACCESS_TOKEN, configSchema as fakeThreadsConfig } from "@threads-agent/fake-threads";
import { createLlmRouter } from "@threads-agent/llm";
import { createLogger, createMetrics, routesOf, startOpsServer } from "@threads-agent/observability";
import { buildApp as buildOrchestrator, createDeps, configSchema as orchestratorConfig } from "@threads-agent/orchestrator";
import { buildApp as buildPersonaRuntime, configSchema as personaRuntimeConfig } from "@threads-agent/persona-runtime";
import { listen, testEnv } from "@threads-agent/testing";
import { Redis } from "ioredis";
import type { Target } from "./campaign.ts";

export const API_KEY = "hostile-suite-key";

export type Targets = { targets: Target[]; close: () => Promise<void> };

const silent = (service: string) => createLogger({ service, level: "silent" });

export async function startTargets(): Promise<Targets> {
  const env = testEnv();
  const closers: (() => Promise<unknown>)[] = [];

  // fake-threads twice: the Graph API as production-like tests see it (no fault routes), and the
  // test-only routes (faults, accounts, clock) on an instance of their own, so a fault the campaign
  // arms by chance only affects that instance's Graph answers, which it does not call.
  const graphApp = buildFakeThreads({
    config: fakeThreadsConfig.parse({ FAULT_INJECTION: "false", LOG_LEVEL: "silent" }),
    logger: silent("fake-threads"),
    metrics: createMetrics("fake-threads"),
  });
  const graph = await listen(graphApp);
  closers.push(graph.close);
  const faultApp = buildFakeThreads({
    config: fakeThreadsConfig.parse({ FAULT_INJECTION: "true", LOG_LEVEL: "silent" }),
    logger: silent("fake-threads"),
    metrics: createMetrics("fake-threads"),
  });
  const faults = await listen(faultApp);
  closers.push(faults.close);

  const personaRuntimeApp = buildPersonaRuntime({
    config: personaRuntimeConfig.parse({}),
    logger: silent("persona-runtime"),
    metrics: createMetrics("persona-runtime"),
    llm: createLlmRouter(),
    moderator: null,
  });
  const personaRuntime = await listen(personaRuntimeApp);
  closers.push(personaRuntime.close);

  const config = orchestratorConfig.parse({
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    REDIS_PREFIX: env.redisPrefix,
    LOG_LEVEL: "silent",
    SSE_HEARTBEAT_MS: "250",
    API_KEYS: API_KEY,
    RATE_LIMIT_MAX: "0",
    THREADS_API_URL: `${graph.url}/v1.0`,
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString("base64"),
  });
  const deps = await createDeps(config, { dbPoolSize: 4 });
  const orchestratorApp = await buildOrchestrator(deps);
  const orchestrator = await listen(orchestratorApp);
  closers.push(async () => {
    await orchestrator.close();
    await deps.close();
  });

  // The worker's and the agent-launcher's ops servers, with the checks their main.ts gives them.
  const redis = new Redis(env.redisUrl, { maxRetriesPerRequest: 3 });
  redis.on("error", () => {});
  const db = createDb(env.databaseUrl, { poolSize: 2 });
  const checks = [
    { name: "redis", check: () => redis.ping() },
    { name: "database", check: () => db.$queryRaw`SELECT 1` },
  ];
  const workerOps = await startOpsServer({
    host: "127.0.0.1",
    port: 0,
    metrics: createMetrics("worker", { http: false }),
    checks,
    logger: silent("worker"),
  });
  const launcherOps = await startOpsServer({
    host: "127.0.0.1",
    port: 0,
    metrics: createMetrics("agent-launcher", { http: false }),
    checks,
    logger: silent("agent-launcher"),
  });
  closers.push(
    workerOps.close,
    launcherOps.close,
    async () => redis.quit(),
    () => db.$disconnect(),
  );

  // Something for the id parameters to find: a task, a run, a persona.
  const auth = { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" };
  const task = (await (
    await fetch(`${orchestrator.url}/v1/tasks`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ persona_id: "ai-jesus", input: "hostile suite" }),
    })
  ).json()) as { id: string };
  const run = (await (
    await fetch(`${orchestrator.url}/v1/runs`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ repo_url: "https://github.com/acme/widgets", prompt: "hostile suite" }),
    })
  ).json()) as { id?: string };

  const persona = DEFAULT_PERSONAS[0];
  if (!persona) throw new Error("no default persona");
  const personaSpec = {
    id: persona.id,
    name: persona.name,
    emoji: persona.emoji,
    temperament: persona.temperament,
    description: persona.description,
    hook_prompt: persona.hook_prompt,
    body_prompt: persona.body_prompt,
    hook_model: null,
    body_model: null,
  };
  const uuid = "01900000-0000-7000-8000-000000000123";

  const targets: Target[] = [
    {
      service: "orchestrator",
      baseUrl: orchestrator.url,
      routes: routesOf(orchestratorApp),
      headers: { authorization: `Bearer ${API_KEY}` },
      params: { id: [task.id, ...(run.id ? [run.id] : []), "ai-jesus", uuid], index: ["0", "1", "99"] },
      seeds: {
        "POST /v1/tasks": { persona_id: "ai-jesus", input: "a hostile seed", task_type: "trend" },
        "POST /task": { persona_id: "ai-jesus", task_type: "trend", trend_snippet: "a hostile seed" },
        "POST /v1/personas": {
          id: `hostile-${randomBytes(3).toString("hex")}`,
          name: "Hostile",
          emoji: "🔥",
          temperament: "calm",
          description: "made by the hostile-input suite",
          hook_prompt: "Write a hook about {input}",
          body_prompt: "Continue {hook}",
          hook_model: "openai/gpt-4o-mini",
          topics: ["edge cases"],
        },
        "PATCH /v1/personas/:id": { name: "Renamed", description: "changed", hook_model: null },
        "PUT /v1/personas/:id/threads-account": { access_token: DEV_ACCESS_TOKEN },
        "POST /v1/runs": { repo_url: "https://github.com/acme/widgets", prompt: "Fix the bug", variations: 1, model: "openai/gpt-4o-mini" },
        "POST /v1/runs/:id/winner": { variation: 0 },
      },
    },
    {
      service: "persona-runtime",
      baseUrl: personaRuntime.url,
      routes: routesOf(personaRuntimeApp),
      seeds: { "POST /v1/generate": { task_id: uuid, persona: personaSpec, input: "a hostile seed", task_type: "trend" } },
    },
    {
      service: "fake-threads",
      baseUrl: graph.url,
      routes: routesOf(graphApp),
      headers: { authorization: `Bearer ${DEV_ACCESS_TOKEN}` },
      params: {
        id: ["me", "1", "17841400000000001"],
        edge: ["threads", "threads_publish", "threads_insights", "insights", "threads_publishing_limit"],
      },
      seeds: {
        "POST /publish": { topic: "edge", content: "a hostile seed" },
        "POST /posts/:id/comments": { text: "a hostile seed", author: "suite" },
        "POST /v1.0/:id/:edge": { media_type: "TEXT", text: "a hostile seed" },
      },
      errorShape: graphPaths,
    },
    {
      service: "fake-threads (test routes)",
      baseUrl: faults.url,
      routes: routesOf(faultApp).filter((r) => r.url.startsWith("/_")),
      seeds: {
        "POST /_faults": { endpoint: "publish", nth: 1, times: 1, status: 500 },
        "POST /_accounts": { username: "hostile_suite", name: "Hostile" },
        "POST /_tokens": { user_id: "1", expires_in: 60 },
        "POST /_clock": { advance_ms: 1 },
      },
      errorShape: graphPaths,
    },
    { service: "worker (ops)", baseUrl: `http://127.0.0.1:${workerOps.port}`, routes: workerOps.routes },
    { service: "agent-launcher (ops)", baseUrl: `http://127.0.0.1:${launcherOps.port}`, routes: launcherOps.routes },
  ];
  return {
    targets,
    close: async () => {
      for (const close of closers.reverse()) await close().catch(() => {});
    },
  };
}

/** fake-threads answers under /v1.0 (and its token refresh) as the Graph API does. */
function graphPaths(path: string): "problem" | "graph" {
  return /^\/v1\.0(\/|$)|^\/refresh_access_token/.test(path) ? "graph" : "problem";
}
