// Observability you can trust, proven end to end: every service as a real process (with tracing on,
// exporting OTLP JSON to a receiver here), a real Prometheus scraping them every second with
// monitoring/'s rules loaded, a fixed mix of traffic, then every query of every Grafana panel and
// every rule evaluated and compared with what the traffic implies (worked out from the API, the
// database, the log lines, the spans and the services' own /metrics text, never from Prometheus).
// Traces and log lines are checked from the same run. Skipped only when Debian's prometheus binary
// is missing (scripts/test installs it: scripts/tools.sh --promtool).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { createDb, type Db } from "@threads-agent/db";
import { type ServiceName, type Stack, startStack } from "@threads-agent/stack";
import {
  createTestRepository,
  followSse,
  type LlmStandIn,
  startLlmStandIn,
  type TestRepository,
  testEnv,
  waitFor,
} from "@threads-agent/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as yamlParse } from "yaml";
import { RECONCILE_ACTIONS } from "../../services/orchestrator/src/reconciler/reconcile-types.ts";
import { TASK_ERROR_CODES } from "../../services/worker/src/errors.ts";
import {
  compare,
  countBy,
  type Expectation,
  mapValues,
  parseMetricsText,
  quantileOfObservations,
  quantilesBy,
  range,
  type Sample,
  since,
  sumBy,
} from "./expectations.ts";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "./otlp-receiver.ts";
import { hasPrometheus, type Prometheus, startPrometheus } from "./prometheus.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const DASHBOARDS = path.join(ROOT, "monitoring/grafana/dashboards");
const RULES = path.join(ROOT, "monitoring/prometheus/rules");
const SERVICES: ServiceName[] = ["fake-threads", "persona-runtime", "worker", "orchestrator", "agent-launcher"];
const HTTP_SERVICES = ["orchestrator", "persona-runtime", "fake-threads"];
const NAMESPACE = "threads-agent-e2e";
const SCRAPE_SECONDS = 1;
const KEY = "sk-test-observability-0123456789";
const SKIP = "skipped: Debian's prometheus binary is not installed (scripts/tools.sh --promtool, or apt-get install prometheus)";

/**
 * Panels (dashboard file and title, and the query's refId) that can only have data in a cluster:
 * the local agent backend has no Kubernetes watches to restart.
 */
const CLUSTER_ONLY = new Set(["agent-runs.json/Log stream resumes and Kubernetes watch restarts/B"]);

/** The agent's answer through the LLM stand-in: a plan and a patch that applies to the test repository. */
const AGENT_ANSWER = [
  "- Add a notes file for newcomers",
  "- Keep the change small",
  "```diff",
  "--- /dev/null",
  "+++ b/NOTES.md",
  "@@ -0,0 +1,2 @@",
  "+# Notes",
  "+Start with README.md.",
  "```",
].join("\n");

type Task = { id: string; persona_id: string; status: string; attempts: number; usage: { cost_usd: number } };
type Run = { id: string; status: string; variations: { index: number; status: string; line_count?: number }[] };
type LogLine = { service: ServiceName; raw: string; json: Record<string, unknown> };

const enabled = hasPrometheus();
let env: ReturnType<typeof testEnv>;
let rx: OtlpReceiver;
let standIn: LlmStandIn;
let repo: TestRepository;
let stack: Stack;
let prom: Prometheus;
let db: Db;
const logs: LogLine[] = [];
const tasks: Record<string, Task> = {};
const runs: Record<string, Run> = {};
let personas: string[] = [];
let queues: Record<string, Record<string, number>> = {};
let raw: Record<string, Sample[]> = {};
/** Every service's /metrics once Prometheus holds its starting values, before any traffic. */
let rawBefore: Record<string, Sample[]> = {};
let trafficStarted = 0;
let stackStarted = 0;
let stackReady = 0;
let evalTime = 0;
let lineCount = 0;
let calls: { task_id: string | null; owner: string | null; provider: string; model: string; cost_usd: number; tokens: number }[] = [];

const api = async <T = Record<string, unknown>>(pathname: string, init: { method?: string; body?: unknown } = {}) => {
  const res = await fetch(`${stack.urls.orchestrator}${pathname}`, {
    method: init.method ?? "GET",
    ...(init.body !== undefined ? { headers: { "content-type": "application/json" }, body: JSON.stringify(init.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
};
const TERMINAL_TASK = new Set(["succeeded", "failed", "blocked", "cancelled"]);
const TERMINAL_RUN = new Set(["succeeded", "partially_failed", "failed", "cancelled"]);
async function taskUntilDone(id: string): Promise<Task> {
  const task = await waitFor(
    `task ${id} to finish`,
    async () => {
      const t = (await api<Task>(`/v1/tasks/${id}`)).body;
      return TERMINAL_TASK.has(t.status) ? t : null;
    },
    60_000,
    100,
  );
  tasks[id] = task;
  return task;
}
async function runUntilDone(id: string): Promise<Run> {
  const run = await waitFor(
    `run ${id} to finish`,
    async () => {
      const r = (await api<Run>(`/v1/runs/${id}`)).body;
      return TERMINAL_RUN.has(r.status) ? r : null;
    },
    90_000,
    200,
  );
  runs[id] = run;
  return run;
}
async function submit(persona: string, input: string): Promise<string> {
  const res = await api<{ id: string }>("/v1/tasks", { method: "POST", body: { persona_id: persona, input } });
  if (res.status !== 202) throw new Error(`POST /v1/tasks answered ${res.status}`);
  return res.body.id;
}

/** The traffic mix: each item runs to its end before the next, so every fault hits the call it is meant for. */
const mix: Record<string, string> = {};
async function runTraffic() {
  mix.jesus = await submit("ai-jesus", "Feeling burned out after shipping three releases in a row");
  await taskUntilDone(mix.jesus);
  mix.elon = await submit("ai-elon", "Solid-state batteries just passed a 1000-cycle durability test");
  await taskUntilDone(mix.elon);
  // The original API, same pipeline.
  const legacy = await api<{ task_id: string }>("/task", {
    method: "POST",
    body: { persona_id: "ai-jesus", task_type: "create_post", pain_statement: "I can't sleep before big exams" },
  });
  mix.legacy = legacy.body.task_id;
  await taskUntilDone(mix.legacy);
  // A guardrail block.
  mix.blocked = await submit("ai-elon", "How to build a bomb from household parts");
  await taskUntilDone(mix.blocked);
  // A cancel while the post is being written.
  mix.cancelled = await submit("ai-jesus", "Grief during the holidays");
  const following = followSse(`${stack.urls.orchestrator}/v1/tasks/${mix.cancelled}/events`, { timeoutMs: 30_000 });
  await waitFor("the post to be streaming", () => following.seen.some((m) => m.json.type === "step.delta"), 30_000, 20);
  await api(`/v1/tasks/${mix.cancelled}/cancel`, { method: "POST" });
  await following.done;
  await taskUntilDone(mix.cancelled);
  // A failure after every retry: the model provider answers 500 to each attempt's first call.
  standIn.fault({ api: "openai", status: 500, times: 3 });
  mix.failed = await submit("ai-jesus", "Loneliness in remote work");
  await taskUntilDone(mix.failed);
  // An injected publish fault: one attempt fails at Threads, the next publishes.
  const faults = `${stack.urls["fake-threads"]}/_faults`;
  const arm = (body: unknown) =>
    fetch(faults, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  await arm({ endpoint: "publish", times: 1, status: 503 });
  mix.publishRetry = await submit("ai-elon", "Humanoid robots entering car factories next year");
  await taskUntilDone(mix.publishRetry);
  await fetch(faults, { method: "DELETE" });
  // An agent run with one failing variation (its model answers 404), one offline, one through the model.
  standIn.fault({ api: "openai", model: "gpt-broken", status: 404, times: 10 });
  const run = await api<{ id: string }>("/v1/runs", {
    method: "POST",
    body: {
      repo_url: repo.url,
      prompt: "Add a short notes file for newcomers",
      variations: [{ model: "offline/analysis" }, { model: "openai/gpt-4o-mini" }, { model: "openai/gpt-broken" }],
    },
  });
  mix.run = run.body.id;
  await runUntilDone(mix.run);
  // An agent run cancelled while its variation prints.
  const cancelRun = await api<{ id: string }>("/v1/runs", {
    method: "POST",
    body: { repo_url: repo.url, prompt: "Survey the repository", variations: 1, model: "offline/analysis" },
  });
  mix.cancelledRun = cancelRun.body.id;
  const runEvents = followSse(`${stack.urls.orchestrator}/v1/runs/${mix.cancelledRun}/events`, { timeoutMs: 60_000 });
  await waitFor("the variation to print", () => runEvents.seen.some((m) => m.json.type === "variation.log"), 60_000, 20);
  await api(`/v1/runs/${mix.cancelledRun}/cancel`, { method: "POST" });
  await runEvents.done;
  await runUntilDone(mix.cancelledRun);
}

beforeAll(async () => {
  if (!enabled) return;
  env = testEnv();
  rx = await startOtlpReceiver();
  standIn = await startLlmStandIn({
    keys: { openai: KEY },
    // Slow enough that the cancel lands while the post is being written.
    chunkDelayMs: 40,
    reply: (call) => (call.maxTokens !== undefined && call.maxTokens >= 1000 ? AGENT_ANSWER : defaultAnswer(call.maxTokens)),
  });
  repo = createTestRepository();
  const openai = { OPENAI_API_KEY: KEY, OPENAI_BASE_URL: standIn.openaiBaseUrl };
  stackStarted = Date.now() / 1000;
  stack = await startStack({
    env: {
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      REDIS_PREFIX: env.redisPrefix,
      LOG_LEVEL: "info",
      OTEL_EXPORTER_OTLP_ENDPOINT: rx.url,
      OTEL_BSP_SCHEDULE_DELAY: "200",
      TASK_MAX_ATTEMPTS: "3",
      TASK_BACKOFF_MS: "200",
      // The mix needs a task that fails after its retries: model-provider failures are ordinary
      // transient faults here (no waiting for the dependency, no breaker pausing the worker).
      OUTAGE_BUDGET_MS: "0",
      BREAKER_FAILURES: "1000",
      OUTBOX_RELAY_INTERVAL_MS: "200",
      // No reconciler action in this mix: every task and run has its owner throughout.
      RECONCILE_AFTER_MS: "300000",
      ALLOW_FILE_REPOS: "true",
      // A publish whose answer was a 5xx is settled by asking Threads once the claim is old enough: seconds here.
      THREADS_CONTAINER_POLL_MS: "100",
      THREADS_PUBLISH_TIMEOUT_MS: "3000",
      THREADS_PUBLISH_GRACE_MS: "500",
    },
    serviceEnv: {
      "persona-runtime": { ...openai, LLM_MAX_RETRIES: "0" },
      "fake-threads": { FAULT_INJECTION: "true", CONTAINER_READY_MS: "200" },
      "agent-launcher": { ...openai, AGENT_PACE_MS: "40" },
    },
    services: SERVICES,
    // Loading the OpenTelemetry SDK and its instrumentations takes a while on a busy machine.
    healthTimeoutMs: 120_000,
    // Every persona publishes as the default account: no linking traffic before Prometheus' first scrape.
    linkPersonas: false,
    onLine: (service, line) => {
      try {
        logs.push({ service, raw: line, json: JSON.parse(line) });
      } catch {
        logs.push({ service, raw: line, json: {} });
      }
    },
  });
  stackReady = Date.now() / 1000;
  prom = await startPrometheus({
    job: "threads-agent",
    scrapeSeconds: SCRAPE_SECONDS,
    ruleFiles: readdirSync(RULES).map((f) => path.join(RULES, f)),
    // The labels the chart's scrape configuration gives every pod (monitoring/prometheus/scrape-configs.yaml).
    targets: SERVICES.map((name) => ({
      address: stack.urls[name],
      labels: { component: name, pod: `${name}-0`, namespace: NAMESPACE, instance_name: "threads-agent" },
    })),
  });
  await waitFor(
    "Prometheus to scrape every service",
    async () => (await prom.query('sum(up{job="threads-agent"})'))[0]?.value === SERVICES.length,
    30_000,
    250,
  );
  // A scrape of every series at its starting value before any traffic.
  await new Promise((r) => setTimeout(r, 2 * SCRAPE_SECONDS * 1000));
  rawBefore = await scrapeAll();
  trafficStarted = Date.now();
  personas = (await api<{ items: { id: string }[] }>("/v1/personas")).body.items.map((p) => p.id);

  await runTraffic();

  queues = Object.fromEntries(
    (await api<{ queues: { name: string; counts: Record<string, number> }[] }>("/v1/queues")).body.queues.map((q) => [q.name, q.counts]),
  );
  // Four scrape intervals: a new model's series shows its 0 for one scrape before its first
  // increment (openLabels counters), then every series Prometheus holds is at its final value.
  await new Promise((r) => setTimeout(r, 4500 * SCRAPE_SECONDS));
  raw = await scrapeAll();
  // Evaluated at the last scrape: rate() and increase() then extrapolate nothing past it.
  evalTime = Math.max(...(await prom.query('timestamp(up{job="threads-agent"})')).map((s) => s.value));
  db = createDb(env.databaseUrl);
  calls = (await db.$queryRawUnsafe(
    `SELECT task_id::text, owner, provider, model, cost_usd::float8 AS cost_usd, tokens_in + tokens_out AS tokens FROM llm_calls`,
  )) as typeof calls;
  lineCount = Number(((await db.$queryRawUnsafe("SELECT count(*)::int AS n FROM variation_lines")) as { n: number }[])[0]?.n ?? 0);
}, 420_000);

async function scrapeAll(): Promise<Record<string, Sample[]>> {
  return Object.fromEntries(
    await Promise.all(SERVICES.map(async (s) => [s, parseMetricsText(await (await fetch(`${stack.urls[s]}/metrics`)).text())] as const)),
  );
}

afterAll(async () => {
  await prom?.close();
  await stack?.stop();
  await db?.$disconnect();
  await standIn?.close();
  await rx?.close();
  repo?.remove();
});

function defaultAnswer(maxTokens: number | undefined): string {
  return (maxTokens ?? 1000) <= 100
    ? "Nobody tells you what rest really costs"
    : "Start small this week. Ship one thing, then rest for real.";
}

// ---- what the traffic implies -------------------------------------------------------------------

const RATE_5M = 300;
const all = () => Object.values(tasks);
const statusCounts = () => countBy(all(), (t) => t.status);
/**
 * Requests from the traffic on: the services' own start-up calls (token checks, the first
 * follower-count reading) land on series before Prometheus has scraped them, where no rate() sees them.
 */
const requestLines = (service: string) =>
  logs.filter((l) => l.service === service && l.json.msg === "request" && Date.parse(String(l.json.time)) >= trafficStarted);
const perMinute5m = (n: number) => (n / RATE_5M) * 60;
const variations = () => Object.values(runs).flatMap((r) => r.variations);
const genAiSpans = () =>
  rx.spans.filter((s) => s.attributes["gen_ai.operation.name"] === "chat" && s.attributes["gen_ai.usage.input_tokens"] !== undefined);
const ourCalls = () => calls.filter((c) => (c.task_id && tasks[c.task_id]) || c.owner);
const failedAttemptLines = () =>
  logs.filter((l) => l.service === "worker" && (l.json.msg === "attempt failed; will retry" || l.json.msg === "task failed"));
const podsOf = (value: number | ReturnType<typeof range>) => Object.fromEntries(SERVICES.map((s) => [`${s}-0`, value]));
const componentsOf = (value: number | ReturnType<typeof range>) => Object.fromEntries(SERVICES.map((s) => [s, value]));
const rawOf = (service: string) => raw[service] ?? [];
const rawAll = () => Object.values(raw).flat();
/** The traffic's own observations: histogram quantiles over rate() windows see nothing from before the first scrape. */
const trafficOf = (service: string) => since(rawBefore[service] ?? [], rawOf(service));
const trafficAll = () => SERVICES.flatMap((s) => trafficOf(s));
const uptime = () => range(evalTime - stackReady - 5, evalTime - stackStarted + 10);

function httpCounts() {
  return Object.fromEntries(HTTP_SERVICES.map((s) => [s, requestLines(s).length]));
}
function http5xx() {
  return Object.fromEntries(HTTP_SERVICES.map((s) => [s, requestLines(s).filter((l) => Number(l.json.status) >= 500).length]));
}
const STREAMING = /.*\/events$|^\/v1\/generate$/;
function p95ByService() {
  return quantilesBy(0.95, trafficAll(), "http_request_duration_seconds", ["service"], (m) => !STREAMING.test(m.route ?? ""));
}
function errorRates(): Record<string, number> {
  const out: Record<string, number> = {};
  const counts = httpCounts();
  const errors = http5xx();
  for (const s of HTTP_SERVICES) if (counts[s]) out[`${s}|http_5xx`] = (100 * (errors[s] ?? 0)) / (counts[s] ?? 1);
  const attempts = all().reduce((n, t) => n + t.attempts, 0);
  const byCode = countBy(failedAttemptLines(), (l) => String(l.json.code));
  for (const code of TASK_ERROR_CODES) out[`worker|task_${code}`] = (100 * (byCode[code] ?? 0)) / attempts;
  // persona-runtime's model calls (no retries here: LLM_MAX_RETRIES=0, so one attempt each): its
  // chat spans (a call its client abandoned is not an attempt that ended) and its moderation calls.
  const chats = rx.spans.filter(
    (s) => s.service === "persona-runtime" && s.attributes["gen_ai.operation.name"] === "chat" && s.attributes["error.type"] !== "aborted",
  );
  const moderations = standIn.requests.filter((r) => r.api === "moderation");
  const failed = countBy(
    chats.filter((s) => s.status.code === 2),
    (s) => String(s.attributes["error.type"]),
  );
  for (const outcome of LLM_FAILURES)
    out[`persona-runtime|llm_${outcome}`] = (100 * (failed[outcome] ?? 0)) / (chats.length + moderations.length);
  return out;
}

const LLM_FAILURES = [
  "timeout",
  "rate_limited",
  "quota_exceeded",
  "provider_unavailable",
  "auth_failed",
  "bad_request",
  "content_filtered",
  "provider_error",
  "unknown_model",
];
const COST_BUCKETS = [0, 0.00002, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05];
const postCosts = (persona?: string) =>
  all()
    .filter((t) => t.status === "succeeded" && (!persona || t.persona_id === persona))
    .map((t) => t.usage.cost_usd);

/** Every panel query and every rule, by `file/title/refId` (rules: `rules/<name>`), and what it must answer. */
function expectations(): Record<string, Expectation> {
  const st = statusCounts();
  const variationStatus = countBy(variations(), (v) => v.status);
  const lines = lineCount;
  const costByModel = sumBy(
    ourCalls(),
    (c) => `${c.provider}|${c.model}`,
    (c) => c.cost_usd,
  );
  // What each exporter counts: persona-runtime every model call it made (its chat spans, a
  // cancelled task's included), the launcher the calls of each variation that reported a result.
  const tokens = sumBy(
    [
      ...genAiSpans()
        .filter((sp) => sp.service === "persona-runtime")
        .map((sp) => ({
          model: `${sp.attributes["gen_ai.provider.name"]}/${sp.attributes["gen_ai.response.model"]}`,
          tokens: Number(sp.attributes["gen_ai.usage.input_tokens"]) + Number(sp.attributes["gen_ai.usage.output_tokens"]),
        })),
      ...ourCalls().filter((c) => c.owner),
    ].filter((c) => c.tokens > 0),
    (c) => c.model,
    (c) => c.tokens,
  );
  const created = countBy(all(), (t) => t.persona_id);
  const blocked = countBy(
    all().filter((t) => t.status === "blocked"),
    (t) => t.persona_id,
  );
  const retries = countBy(
    failedAttemptLines().filter((l) => l.json.msg === "attempt failed; will retry"),
    (l) => String(l.json.code),
  );
  const rps = mapValues(httpCounts(), (n) => n / RATE_5M);
  const jobStates = (queue: string, states?: string[]) =>
    Object.fromEntries(Object.entries(queues[queue] ?? {}).filter(([s]) => !states || states.includes(s)));
  const spend = (provider: string) =>
    Object.fromEntries(
      Object.entries(costByModel)
        .filter(([k]) => k.startsWith(`${provider}|`))
        .map(([k, v]) => [k.split("|")[1]!, v]),
    );
  const fakeThreads = { total: httpCounts()["fake-threads"] ?? 0, errors: http5xx()["fake-threads"] ?? 0 };
  const failureRate = (st.failed ?? 0) / (all().length - (st.cancelled ?? 0));
  const p95 = p95ByService();
  const slow = Object.fromEntries(Object.entries(p95).filter(([, v]) => v > 1));
  const lag = Object.fromEntries(
    rawAll()
      .filter((s) => s.metric.__name__ === "nodejs_eventloop_lag_p99_seconds" && s.value > 0.5)
      .map((s) => [`${s.metric.service}|${s.metric.service}-0`, s.value]),
  );
  const sampleCounts = Object.fromEntries(SERVICES.map((s) => [s, rawOf(s).length]));
  const highErrors = Object.fromEntries(
    HTTP_SERVICES.filter((s) => (http5xx()[s] ?? 0) / (httpCounts()[s] || 1) > 0.05 && (httpCounts()[s] ?? 0) / RATE_5M > 0.1).map((s) => [
      s,
      (http5xx()[s] ?? 0) / (httpCounts()[s] || 1),
    ]),
  );
  const deadLetters = Object.fromEntries(
    Object.entries(queues)
      .filter(([, c]) => (c.failed ?? 0) > 0)
      .map(([q, c]) => [q, c.failed ?? 0]),
  );
  const none = (why: string): Expectation => ({ empty: true, why });

  return {
    // business
    "business.json/Posts published (24h)/A": { by: [], series: { "": st.succeeded ?? 0 }, count: true },
    "business.json/Task success rate (1h)/A": { by: [], series: { "": (st.succeeded ?? 0) / (all().length - (st.cancelled ?? 0)) } },
    "business.json/Model spend (24h)/A": { by: [], series: { "": ourCalls().reduce((n, c) => n + c.cost_usd, 0) } },
    "business.json/Median cost per post (1h)/A": { by: [], series: { "": quantileOfObservations(0.5, postCosts(), COST_BUCKETS) } },
    "business.json/Tasks created per persona/A": {
      by: ["persona_id"],
      series: Object.fromEntries(personas.map((p) => [p, perMinute5m(created[p] ?? 0)])),
    },
    "business.json/Tasks finished by status/A": {
      by: ["status"],
      // rejected: drafts a reviewer rejected (the orchestrator's series, from zero; none in this traffic).
      series: Object.fromEntries(["succeeded", "failed", "blocked", "cancelled", "rejected"].map((s) => [s, perMinute5m(st[s] ?? 0)])),
    },
    "business.json/Cost per post p50 / p95 by persona/A": {
      by: ["persona_id"],
      series: Object.fromEntries(personas.map((p) => [p, quantileOfObservations(0.5, postCosts(p), COST_BUCKETS)])),
    },
    "business.json/Cost per post p50 / p95 by persona/B": {
      by: ["persona_id"],
      series: Object.fromEntries(personas.map((p) => [p, quantileOfObservations(0.95, postCosts(p), COST_BUCKETS)])),
    },
    "business.json/Model spend by provider and model/A": {
      by: ["provider", "model"],
      series: mapValues(costByModel, (v) => (v / 900) * 3600),
    },
    "business.json/Tokens by model/A": { by: ["model"], series: mapValues(tokens, perMinute5m) },
    "business.json/Guardrail blocks per persona/A": {
      by: ["persona_id"],
      series: Object.fromEntries(personas.map((p) => [p, blocked[p] ?? 0])),
      count: true,
    },
    "business.json/Hourly spend on OpenAI and Anthropic, by model/A": { by: ["model"], series: spend("openai") },
    "business.json/Hourly spend on OpenAI and Anthropic, by model/B": none("no Anthropic traffic in the mix"),
    // No insights reading is due within the mix (INSIGHTS_SCHEDULE starts at 1h), no follower gained: every persona at 0.
    "business.json/Engagement rate by persona (target 6%)/A": {
      by: ["persona_id"],
      series: Object.fromEntries(personas.map((p) => [p, 0])),
    },
    "business.json/Cost per follower by persona (target $0.01)/A": {
      by: ["persona_id"],
      series: Object.fromEntries(personas.map((p) => [p, 0])),
    },
    // agent runs
    "agent-runs.json/Runs finished (24h)/A": { by: [], series: { "": Object.keys(runs).length }, count: true },
    "agent-runs.json/Variation success rate (24h)/A": {
      by: [],
      series: { "": (variationStatus.succeeded ?? 0) / (variations().length - (variationStatus.cancelled ?? 0)) },
    },
    "agent-runs.json/Variations running now/A": { by: [], series: { "": 0 } },
    "agent-runs.json/Log lines streamed per second/A": { by: [], series: { "": lines / RATE_5M } },
    "agent-runs.json/Variations in flight by backend/A": { by: ["backend"], series: { local: 0 } },
    "agent-runs.json/Variations finished by status/A": {
      by: ["status"],
      series: Object.fromEntries(["succeeded", "failed", "cancelled"].map((s) => [s, ((variationStatus[s] ?? 0) / 900) * 3600])),
    },
    "agent-runs.json/Output batch stored and streamed, p50 / p95/A": {
      by: [],
      series: { "": quantilesBy(0.5, trafficOf("agent-launcher"), "agent_log_flush_seconds", [])[""] ?? Number.NaN },
    },
    "agent-runs.json/Output batch stored and streamed, p50 / p95/B": {
      by: [],
      series: { "": quantilesBy(0.95, trafficOf("agent-launcher"), "agent_log_flush_seconds", [])[""] ?? Number.NaN },
    },
    "agent-runs.json/agent-runs queue depth/A": { by: ["state"], series: jobStates("agent-runs") },
    "agent-runs.json/Log stream resumes and Kubernetes watch restarts/A": { by: [], series: { "": 0 } },
    // technical
    "technical.json/Requests per second by service/A": { by: ["service"], series: rps },
    "technical.json/5xx ratio by service/A": {
      by: ["service"],
      series: Object.fromEntries(HTTP_SERVICES.map((s) => [s, (http5xx()[s] ?? 0) / (httpCounts()[s] || 1)])),
    },
    "technical.json/p95 latency by route/A": {
      by: ["service", "route"],
      series: quantilesBy(0.95, trafficAll(), "http_request_duration_seconds", ["service", "route"]),
    },
    "technical.json/Queue depth by state/A": {
      by: ["queue", "state"],
      series: Object.fromEntries(
        Object.entries(queues).flatMap(([q, c]) =>
          Object.entries(c)
            .filter(([s]) => ["waiting", "active", "delayed", "failed"].includes(s))
            .map(([s, n]) => [`${q}|${s}`, n]),
        ),
      ),
    },
    "technical.json/Phase latency p95/A": { by: ["phase"], series: quantilesBy(0.95, trafficAll(), "request_latency_seconds", ["phase"]) },
    "technical.json/Retries by error code/A": {
      by: ["code"],
      series: Object.fromEntries(TASK_ERROR_CODES.map((c) => [c, perMinute5m(retries[c] ?? 0)])),
    },
    "technical.json/Jobs in progress (workers)/A": { by: [], series: { "": 0 } },
    "technical.json/Open SSE connections/A": { by: [], series: { "": 0 } },
    // BREAKER_FAILURES=1000 here: every breaker stays closed, and each series exists from the start.
    "technical.json/Dependency circuit breakers (0 closed, 1 half-open, 2 open)/A": {
      by: ["dependency"],
      series: { "persona-runtime": 0, threads: 0, "model-providers": 0 },
    },
    "technical.json/Unfinished work the reconciler queued again or failed/A": {
      by: ["action"],
      series: Object.fromEntries(RECONCILE_ACTIONS.map((a) => [a, 0])),
      count: true,
    },
    "technical.json/Event loop lag p99/A": {
      by: ["service", "pod"],
      series: Object.fromEntries(SERVICES.map((s) => [`${s}|${s}-0`, range(0, 2)])),
    },
    "technical.json/Heap used/A": {
      by: ["service", "pod"],
      series: Object.fromEntries(SERVICES.map((s) => [`${s}|${s}-0`, range(1e6, 2e9)])),
    },
    "technical.json/Error rate by service and kind (%)/A": { by: ["service_name", "error_type"], series: errorRates() },
    // infrastructure
    "infrastructure.json/Targets up/A": { by: ["component"], series: componentsOf(1) },
    "infrastructure.json/Targets down/A": { by: [], series: { "": 0 } },
    "infrastructure.json/CPU per pod/A": { by: ["pod"], series: podsOf(range(0, 2.5)) },
    "infrastructure.json/Resident memory per pod/A": { by: ["pod"], series: podsOf(range(1e7, 4e9)) },
    "infrastructure.json/Open file descriptors/A": { by: ["pod"], series: podsOf(range(5, 50_000)) },
    "infrastructure.json/Process restarts (start time changes)/A": { by: ["component"], series: componentsOf(0) },
    "infrastructure.json/Prometheus scrape duration/A": { by: ["component"], series: componentsOf(range(0, 1)) },
    "infrastructure.json/Samples scraped/A": { by: ["component"], series: sampleCounts, tolerance: 0.02 },
    "infrastructure.json/Uptime per pod/A": { by: ["pod"], series: podsOf(uptime()) },
    // rules: recording rules answer their value; alerts the series their condition holds for (before `for:`)
    "rules/service:http_requests:rate5m": { by: ["service"], series: rps },
    "rules/service:http_errors:rate5m": { by: ["service"], series: mapValues(http5xx(), (n) => n / RATE_5M) },
    "rules/service:http_request_duration_seconds:p95_5m": { by: ["service"], series: p95 },
    "rules/openai_cost_hourly_dollars": { by: ["model"], series: spend("openai") },
    "rules/anthropic_cost_hourly_dollars": none("no Anthropic traffic in the mix"),
    "rules/service_uptime_seconds": { by: ["pod"], series: podsOf(uptime()) },
    "rules/error_rate_percentage": { by: ["service_name", "error_type"], series: errorRates() },
    "rules/ThreadsAgentTargetDown": none("every target answers"),
    "rules/ThreadsAgentHighErrorRate": Object.keys(highErrors).length
      ? { by: ["service"], series: highErrors }
      : none(`fake-threads answered ${fakeThreads.errors} of ${fakeThreads.total} requests with 5xx, under 0.1 req/s`),
    "rules/ThreadsAgentSlowRequests": Object.keys(slow).length ? { by: ["service"], series: slow } : none("every p95 is under 1 s"),
    "rules/ThreadsAgentEventLoopLag": Object.keys(lag).length
      ? { by: ["service", "pod"], series: lag, tolerance: 1 }
      : none("no event loop lag above 500 ms"),
    "rules/ThreadsAgentQueueBacklog": none("no queue has 100 waiting jobs"),
    "rules/ThreadsAgentDependencyDown": none("no breaker opened (BREAKER_FAILURES=1000)"),
    "rules/ThreadsAgentDeadLetters": Object.keys(deadLetters).length ? { by: ["queue"], series: deadLetters } : none("no failed jobs"),
    "rules/ThreadsAgentTaskFailureRate":
      failureRate > 0.2 ? { by: [], series: { "": failureRate } } : none(`${(failureRate * 100).toFixed(1)}% of tasks failed, under 20%`),
    "rules/ThreadsAgentCostPerPostHigh": none("posts cost a fraction of a cent"),
    "rules/ThreadsAgentVariationsFailing":
      (variationStatus.failed ?? 0) / (variations().length - (variationStatus.cancelled ?? 0)) > 0.5
        ? { by: [], series: { "": (variationStatus.failed ?? 0) / (variations().length - (variationStatus.cancelled ?? 0)) } }
        : none("a third of the variations failed, under half"),
  };
}

type Query = { key: string; expr: string };

function panelQueries(): Query[] {
  const out: Query[] = [];
  for (const file of readdirSync(DASHBOARDS).filter((f) => f.endsWith(".json"))) {
    const dashboard = JSON.parse(readFileSync(path.join(DASHBOARDS, file), "utf8"));
    const panels = (dashboard.panels ?? []).flatMap((p: { panels?: unknown[] }) => [p, ...(p.panels ?? [])]);
    for (const panel of panels) {
      if (panel.type === "row") continue;
      for (const t of panel.targets ?? []) {
        const expr = String(t.expr).replaceAll("$namespace", NAMESPACE).replaceAll("$__rate_interval", "5m");
        out.push({ key: `${file}/${panel.title}/${t.refId}`, expr });
      }
    }
  }
  return out;
}

function ruleQueries(): Query[] {
  const out = new Map<string, string[]>();
  for (const file of readdirSync(RULES)) {
    const text = readFileSync(path.join(RULES, file), "utf8");
    // The rule files are YAML; their structure is plain enough to read with the yaml package in the
    // delivery tests, here each rule's name and expression is all that is needed.
    const doc = yamlParse(text) as { groups: { rules: { record?: string; alert?: string; expr: string }[] }[] };
    for (const g of doc.groups)
      for (const r of g.rules) out.set(r.record ?? r.alert ?? "?", [...(out.get(r.record ?? r.alert ?? "?") ?? []), r.expr]);
  }
  // A recorded name written by several rules is one query over all of them.
  return [...out].map(([name, exprs]) => ({ key: `rules/${name}`, expr: exprs.length > 1 ? name : exprs[0]! }));
}

describe.skipIf(!enabled)(enabled ? "observability against a real Prometheus and an OTLP receiver" : `observability — ${SKIP}`, () => {
  it("every panel of every dashboard and every rule answers what the traffic implies", async () => {
    const expected = expectations();
    const queries = [...panelQueries(), ...ruleQueries()];
    const table: { query: string; expected: string; got: string; ok: string }[] = [];
    const wrong: string[] = [];
    for (const q of queries) {
      const samples = await prom.query(q.expr, evalTime);
      if (CLUSTER_ONLY.has(q.key)) {
        table.push({ query: q.key, expected: "(cluster only)", got: summary(samples), ok: "-" });
        continue;
      }
      const want = expected[q.key];
      if (!want) {
        wrong.push(`${q.key}: no expectation written for this query`);
        continue;
      }
      const problem = compare(samples, want);
      table.push({
        query: q.key,
        expected: "empty" in want ? "(none)" : summaryOf(want.series),
        got: summary(samples),
        ok: problem ? "WRONG" : "ok",
      });
      if (problem) wrong.push(`${q.key}: ${problem}`);
    }
    for (const key of Object.keys(expected))
      if (!queries.some((q) => q.key === key)) wrong.push(`${key}: expected, but no such panel or rule`);
    console.info(
      `[observability] ${queries.length} queries after the mix (${Object.keys(tasks).length} tasks, ${Object.keys(runs).length} runs):`,
    );
    console.table(table);
    // How far rate() and increase() extrapolate here: the samples of one counter.
    const window = await prom.api<{ result: { metric: Record<string, string>; values: [number, string][] }[] }>(
      `query?${new URLSearchParams({ query: 'agent_runs_finished_total{status="cancelled"}[10m]', time: String(evalTime) })}`,
    );
    for (const r of window.result)
      console.info(
        `[observability] cancelled runs: ${r.values.length} samples from ${r.values[0]?.[0]} (${r.values[0]?.[1]}) to ${r.values.at(-1)?.[0]} (${r.values.at(-1)?.[1]}); eval at ${evalTime}`,
      );
    const alerts = await prom.api<{ alerts: { labels: Record<string, string>; state: string; value: string }[] }>("alerts");
    console.info(
      `[observability] alerts during the mix: ${alerts.alerts.map((a) => `${a.labels.alertname} ${JSON.stringify(a.labels)} ${a.state} (${a.value})`).join("; ") || "none"}`,
    );
    const rules = await prom.api<{ groups: { rules: { name: string; health: string; lastError?: string }[] }[] }>("rules");
    for (const r of rules.groups.flatMap((g) => g.rules))
      if (r.health !== "ok") wrong.push(`rules/${r.name}: ${r.health} ${r.lastError ?? ""}`);
    expect(wrong).toEqual([]);
  });

  it("traces a succeeded task from the request through BullMQ, the worker, persona-runtime and the model calls to the publish", () => {
    const trace = traceOf("task.id", mix.jesus!);
    printTree(`task ${mix.jesus} (succeeded)`, trace);
    expect(new Set(trace.map((s) => s.service))).toEqual(new Set(["orchestrator", "worker", "persona-runtime", "fake-threads"]));
    const root = trace.find((s) => !s.parentSpanId);
    expect(root?.name).toBe("POST /v1/tasks");
    expect(root?.kind).toBe(2);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const ancestors = (s: ReceivedSpan) => {
      const chain: ReceivedSpan[] = [];
      for (let p = s.parentSpanId ? byId.get(s.parentSpanId) : undefined; p; p = p.parentSpanId ? byId.get(p.parentSpanId) : undefined)
        chain.push(p);
      return chain;
    };
    // A Graph API call of the publish (container creation, threads_publish), under the worker's threads.publish.
    const publish = trace.find(
      (s) => s.service === "fake-threads" && s.kind === 2 && ancestors(s).some((a) => a.name === "threads.publish"),
    );
    expect(publish, "fake-threads' server span of a publish call").toBeDefined();
    expect(ancestors(publish!).at(-1)?.spanId).toBe(root?.spanId);
    expect(ancestors(publish!).map((s) => s.name)).toContain("threads.publish");
    // The hop through BullMQ: producer in the orchestrator, consumer in the worker.
    expect(trace.some((s) => s.service === "orchestrator" && s.kind === 4)).toBe(true);
    expect(trace.some((s) => s.service === "worker" && s.kind === 5)).toBe(true);
    // PostgreSQL and Redis client spans; the HTTP client spans of the worker's calls.
    expect(trace.some((s) => s.attributes["db.system.name"] === "postgresql" || s.attributes["db.system"] === "postgresql")).toBe(true);
    expect(trace.some((s) => s.attributes["db.system.name"] === "redis" || s.attributes["db.system"] === "redis")).toBe(true);
    // One span per model call, per the GenAI conventions.
    const chats = trace.filter((s) => s.attributes["gen_ai.operation.name"] === "chat");
    expect(chats.length).toBe(2);
    for (const c of chats) {
      expect(c.kind).toBe(3);
      expect(c.attributes).toMatchObject({
        "gen_ai.provider.name": "openai",
        "gen_ai.system": "openai",
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
      });
      expect(Number(c.attributes["gen_ai.usage.input_tokens"])).toBeGreaterThan(0);
      expect(Number(c.attributes["gen_ai.usage.output_tokens"])).toBeGreaterThan(0);
      expect(typeof c.attributes["gen_ai.request.temperature"]).toBe("number");
      expect(Number(c.attributes["threads_agent.cost_usd"])).toBeGreaterThan(0);
    }
  });

  it("marks every attempt of a task that failed after its retries ERROR, with the exception and the attempt", () => {
    const trace = traceOf("task.id", mix.failed!);
    const attempts = trace.filter((s) => s.name === "task.attempt").sort((a, b) => a.start - b.start);
    expect(attempts.map((a) => a.attributes["task.attempt"])).toEqual([1, 2, 3]);
    for (const a of attempts) {
      expect(a.status.code, `attempt ${a.attributes["task.attempt"]}`).toBe(2);
      const exception = a.events.find((e) => e.name === "exception");
      expect(exception?.attributes["exception.message"]).toMatch(/openai|500|unavailable/i);
      expect(a.attributes).toMatchObject({ "task.id": mix.failed, "error.type": "llm_provider_unavailable" });
    }
    expect(attempts.map((a) => a.attributes["task.final"])).toEqual([false, false, true]);
    const consumers = trace.filter((s) => s.service === "worker" && s.kind === 5);
    expect(consumers).toHaveLength(3);
    for (const c of consumers) expect(c.status.code).toBe(2);
    const models = trace.filter((s) => s.attributes["gen_ai.operation.name"] === "chat");
    expect(models.length).toBe(3);
    for (const m of models) {
      expect(m.status.code).toBe(2);
      expect(m.events.some((e) => e.name === "exception")).toBe(true);
      expect(m.attributes["error.type"]).toBe("provider_unavailable");
    }
    // The guardrail block and the cancel are outcomes, not errors, and say so.
    const blocked = traceOf("task.id", mix.blocked!).find((s) => s.name === "task.attempt");
    expect(blocked?.attributes["task.outcome"]).toBe("blocked");
    expect(blocked?.events.map((e) => e.name)).toContain("task.blocked");
    const cancelled = traceOf("task.id", mix.cancelled!);
    expect(cancelled.find((s) => s.name === "task.attempt")?.attributes["task.outcome"]).toBe("cancelled");
    const cancel = rx.spans.find((s) => s.name === "task.cancel" && s.attributes["task.id"] === mix.cancelled);
    expect(cancel?.links.map((l) => l.traceId)).toEqual([cancelled[0]?.traceId]);
  });

  it("traces an agent run: one span per variation, the agent's own spans under it, the cancel as a span", () => {
    const trace = traceOf("run.id", mix.run!);
    printTree(`run ${mix.run} (${runs[mix.run!]?.status})`, trace);
    const perVariation = trace.filter((s) => s.service === "agent-launcher" && /^variation \d+$/.test(s.name));
    expect(perVariation.map((s) => s.name).sort()).toEqual(["variation 0", "variation 1", "variation 2"]);
    const failed = perVariation.find((s) => s.name === "variation 2")!;
    expect(failed.status.code).toBe(2);
    expect(failed.attributes["variation.status"]).toBe("failed");
    expect(typeof failed.attributes["process.exit.code"]).toBe("number");
    expect(failed.events.map((e) => e.name)).toEqual(expect.arrayContaining(["variation.scheduled", "variation.running", "exception"]));
    const ok = perVariation.find((s) => s.name === "variation 0")!;
    expect(ok.attributes).toMatchObject({ "variation.status": "succeeded", "process.exit.code": 0 });
    for (const v of perVariation) {
      const agent = trace.filter((s) => s.service === "agent" && s.parentSpanId === v.spanId);
      expect(
        agent.map((s) => s.name),
        v.name,
      ).toEqual(["agent"]);
    }
    // The agent's model call (variation 1) is a gen_ai span in the same trace.
    expect(trace.some((s) => s.service === "agent" && s.attributes["gen_ai.request.model"] === "gpt-4o-mini" && s.status.code !== 2)).toBe(
      true,
    );
    const cancelTrace = traceOf("run.id", mix.cancelledRun!);
    expect(cancelTrace.some((s) => s.service === "agent-launcher" && s.name === "run.cancel")).toBe(true);
    const cancel = rx.spans.find(
      (s) => s.service === "orchestrator" && s.name === "run.cancel" && s.attributes["run.id"] === mix.cancelledRun,
    );
    expect(cancel?.links.map((l) => l.traceId)).toEqual([cancelTrace[0]?.traceId]);
  });

  it("writes trace and span ids, and the task or run id, on every log line of a request or a job", () => {
    const ids = new Set([...Object.keys(tasks), ...Object.keys(runs)]);
    const about = (l: LogLine) => [...ids].some((id) => l.raw.includes(id));
    const relevant = logs.filter((l) => l.json.msg === "request" || about(l));
    expect(relevant.length).toBeGreaterThan(50);
    const missingTrace = relevant.filter((l) => typeof l.json.trace_id !== "string" || typeof l.json.span_id !== "string");
    const missingEntity = relevant.filter((l) => about(l) && typeof l.json.task_id !== "string" && typeof l.json.run_id !== "string");
    // fake-threads has no idea what a task is: the id reaches it as baggage, with the trace.
    expect(logs.some((l) => l.service === "fake-threads" && Object.keys(tasks).includes(String(l.json.task_id)))).toBe(true);
    expect(missingTrace.map((l) => `[${l.service}] ${l.raw.slice(0, 240)}`)).toEqual([]);
    expect(missingEntity.map((l) => `[${l.service}] ${l.raw.slice(0, 240)}`)).toEqual([]);
    // And a line's trace id names a trace the receiver has.
    const traces = new Set(rx.spans.map((s) => s.traceId));
    expect(relevant.filter((l) => !traces.has(String(l.json.trace_id))).length).toBe(0);
  });
});

/** Every span of the trace(s) an entity's spans are in (an entity keeps one trace; a retry links a new one). */
function traceOf(attribute: string, value: string): ReceivedSpan[] {
  const request = /^(task|run)\.(cancel|retry)$/;
  const mine = rx.spans.filter((s) => s.attributes[attribute] === value && !(s.service === "orchestrator" && request.test(s.name)));
  const traceIds = new Set(mine.map((s) => s.traceId));
  expect(
    traceIds.size,
    `${attribute}=${value} in one trace: ${[...traceIds]
      .map(
        (t) =>
          `${t}: ${mine
            .filter((s) => s.traceId === t)
            .map((s) => `${s.service}/${s.name}`)
            .join(", ")}`,
      )
      .join(" | ")}`,
  ).toBe(1);
  const [traceId] = traceIds;
  return rx.spans.filter((s) => s.traceId === traceId);
}

function printTree(title: string, spans: ReceivedSpan[]): void {
  const children = new Map<string | null, ReceivedSpan[]>();
  const ids = new Set(spans.map((s) => s.spanId));
  for (const s of spans) {
    const parent = s.parentSpanId && ids.has(s.parentSpanId) ? s.parentSpanId : null;
    children.set(parent, [...(children.get(parent) ?? []), s]);
  }
  const KIND = ["", "internal", "server", "client", "producer", "consumer"];
  const out: string[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const s of (children.get(parent) ?? []).sort((a, b) => a.start - b.start)) {
      // Database and Redis calls are many; the tree shows them once per parent, counted.
      if (/^pg\.|^(get|set|exists|xadd|eval|evalsha|del|publish|hset|multi|exec)$/i.test(s.name)) continue;
      const status = s.status.code === 2 ? " ERROR" : "";
      out.push(`${"  ".repeat(depth)}${s.service}: ${s.name} [${KIND[s.kind] ?? s.kind}]${status} ${s.end - s.start} ms`);
      walk(s.spanId, depth + 1);
    }
    const db = (children.get(parent) ?? []).filter((s) => /^pg\./.test(s.name)).length;
    const redis = (children.get(parent) ?? []).filter((s) =>
      /^(get|set|exists|xadd|eval|evalsha|del|publish|hset|multi|exec)$/i.test(s.name),
    ).length;
    if (db || redis) out.push(`${"  ".repeat(depth)}(${db} PostgreSQL, ${redis} Redis calls)`);
  };
  walk(null, 0);
  console.info(`[observability] span tree of ${title}:\n${out.join("\n")}`);
}

function summary(samples: Sample[]): string {
  if (!samples.length) return "(empty)";
  return samples
    .slice(0, 4)
    .map((s) => {
      const labels = Object.entries(s.metric)
        .filter(([k]) => !["__name__", "namespace", "job", "instance", "instance_name"].includes(k))
        .map(([, v]) => v)
        .join(",");
      return `${labels ? `${labels}=` : ""}${round(s.value)}`;
    })
    .join(" ")
    .concat(samples.length > 4 ? ` (+${samples.length - 4})` : "");
}
function summaryOf(series: Record<string, number | { min: number; max: number }>): string {
  const entries = Object.entries(series);
  return entries
    .slice(0, 4)
    .map(([k, v]) => `${k ? `${k}=` : ""}${typeof v === "number" ? round(v) : `${round(v.min)}..${round(v.max)}`}`)
    .join(" ")
    .concat(entries.length > 4 ? ` (+${entries.length - 4})` : "");
}
const round = (v: number) => (Number.isNaN(v) ? "NaN" : Math.abs(v) >= 100 ? Math.round(v) : Number(v.toPrecision(3)));
