// The Kubernetes backend end to end against a local stand-in of the Kubernetes API, driven by the
// real @kubernetes/client-node: Jobs, watches (dropped and expired), pod logs (cut mid-line and
// resumed), failure reasons, cancel, and a launcher restart mid-run.
import type { V1Job } from "@kubernetes/client-node";
import { type AgentEvent, agentShipJobOptions, newId, QUEUES } from "@threads-agent/contracts";
import { followSse, readSse, type SseMessage, waitFor } from "@threads-agent/testing";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../../testing/harness.ts";
import { type KubeApiStandIn, type PodScript, startKubeApiStandIn } from "../../testing/kube-api-stand-in.ts";
import { jobName } from "./job-spec.ts";
import { KubernetesBackend } from "./kubernetes-backend.ts";

/** What the real agent prints (the stdout protocol of contracts' AgentEvent): numbered log lines, then a result (or an error). */
function agentOutput(variation: number, lines: number, end: { error?: string } = {}): string[] {
  const ts = new Date().toISOString();
  const events: AgentEvent[] = Array.from({ length: lines }, (_, seq) => ({
    type: "log",
    variation,
    seq,
    ts,
    line: `variation ${variation} line ${seq}`,
  }));
  if (end.error) events.push({ type: "error", variation, seq: lines, ts, code: "clone_failed", message: end.error });
  else
    events.push({
      type: "result",
      variation,
      seq: lines,
      ts,
      summary: `proposal of variation ${variation}`,
      diff: "",
      model: "offline",
      usage: { tokens_in: 0, tokens_out: 0, cost_usd: 0 },
      calls: [],
    });
  return events.map((e) => JSON.stringify(e));
}

const env = (job: V1Job, name: string) => job.spec?.template.spec?.containers[0]?.env?.find((e) => e.name === name)?.value ?? "";

/** Scripts by prompt, so each test picks its scenario. */
function script(job: V1Job): PodScript {
  const variation = Number(env(job, "VARIATION"));
  if (env(job, "AGENT_MODE") === "ship") return shipScript(job, variation);
  const prompt = env(job, "AGENT_PROMPT");
  if (prompt === "drop") return { lines: agentOutput(variation, 60), lineDelayMs: 3, sameTimestampAs: [20, 21, 22], startDelayMs: 150 };
  if (prompt === "slow") return { lines: agentOutput(variation, 150), lineDelayMs: 8 };
  // Stops after 40 lines until the test releases it: the pod surely runs when the test acts.
  if (prompt === "held") return { lines: agentOutput(variation, 150), lineDelayMs: 2, holdAfter: 40 };
  if (prompt === "forever") return { lines: agentOutput(variation, 5).slice(0, 5), runForever: true };
  if (prompt === "failures") {
    switch (variation) {
      case 0:
        return {
          lines: agentOutput(0, 3, { error: "git clone failed: repository 'https://github.com/acme/gone/' not found" }),
          exitCode: 1,
        };
      case 1:
        return { lines: agentOutput(1, 3).slice(0, 3), exitCode: 137, terminatedReason: "OOMKilled" };
      case 2:
        return { lines: [], waiting: { reason: "ErrImagePull", message: 'pull access denied for "threads-agent/agent:nope"' } };
      default:
        return { lines: agentOutput(3, 3).slice(0, 3), exitCode: 143, deadlineExceeded: true };
    }
  }
  return { lines: agentOutput(variation, 20) };
}

/** The agent's ship mode as it prints: a log line, then `shipped`, or `branch_exists` for the branch "taken". */
function shipScript(job: V1Job, variation: number): PodScript {
  const ts = new Date().toISOString();
  const branch = env(job, "SHIP_BRANCH");
  const log: AgentEvent = { type: "log", variation, seq: 0, ts, line: `pushing ${branch}` };
  if (branch === "taken") {
    const error: AgentEvent = { type: "error", variation, seq: 1, ts, code: "branch_exists", message: `branch ${branch} already exists` };
    return { lines: [JSON.stringify(log), JSON.stringify(error)], exitCode: 2 };
  }
  const shipped: AgentEvent = {
    type: "shipped",
    variation,
    seq: 1,
    ts,
    branch,
    commit: "c0ffee".padEnd(40, "0"),
    repo_url: REPO,
    base: "main",
  };
  return { lines: [JSON.stringify(log), JSON.stringify(shipped)] };
}

let kube: KubeApiStandIn;
let harness: Harness;

beforeAll(async () => {
  kube = await startKubeApiStandIn({ script });
  harness = await startHarness({
    backend: ({ logger, metrics }) =>
      new KubernetesBackend({
        kubeConfig: kube.kubeConfig(),
        logger,
        settings: {
          namespace: "agents",
          instance: "ta-test",
          image: "threads-agent/agent:test",
          imagePullPolicy: "IfNotPresent",
          imagePullSecrets: [],
          resources: { cpuRequest: "250m", cpuLimit: "1", memoryRequest: "256Mi", memoryLimit: "1Gi" },
          activeDeadlineSeconds: 900,
          ttlSecondsAfterFinished: 3600,
          apiKeySecret: "threads-agent-secrets",
          repoHostAllowlist: ["github.com"],
          openaiBaseUrl: null,
          anthropicBaseUrl: null,
          clone: { timeoutSeconds: 120, maxMb: 200 },
        },
        missingGraceMs: 1000,
        onWatchRestart: (resource, reason) => metrics.watchRestarts.inc({ resource, reason }),
        onLogResume: () => metrics.logResumes.inc(),
      }),
  });
});

afterAll(async () => {
  await harness?.close();
  await kube?.close();
});

const REPO = "https://github.com/acme/widgets";
const logLines = (messages: SseMessage[], variation: number) =>
  messages.filter((m) => m.json.type === "variation.log" && m.json.variation === variation);
const metric = async (name: string, labels: Record<string, string> = {}) => {
  const values = (await harness.metrics[name as "logResumes"].get()).values;
  return values.filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l)).reduce((n, v) => n + v.value, 0);
};

describe("agent runs on the kubernetes backend (API stand-in, real client)", () => {
  it("runs Jobs built by the builder; log lines arrive complete and in order across a stream cut mid-line", async () => {
    const resumesBefore = await metric("logResumes");
    const run = await harness.createRun({ repoUrl: REPO, variations: 2, prompt: "drop" });
    const job0 = jobName(run.id, 0);
    // Cut variation 0's first log stream after 21 lines: inside a run of lines sharing one kubelet timestamp.
    kube.dropLogAfter(job0, 21);
    const { messages } = await readSse(harness.sseUrl(run.id), { timeoutMs: 30_000 });

    expect(messages.at(-1)?.json).toMatchObject({ type: "run.completed", status: "succeeded" });
    for (const v of [0, 1]) {
      const lines = logLines(messages, v);
      expect(lines.map((m) => m.json.seq)).toEqual(lines.map((_, i) => i));
      const expected = [...Array.from({ length: 60 }, (_, i) => `variation ${v} line ${i}`), `result: proposal of variation ${v}`];
      expect(lines.map((m) => m.json.line)).toEqual(expected);
    }
    const resumed = kube.requests.filter((r) => r.path.endsWith("/log") && r.path.includes(job0) && r.query.sinceTime);
    expect(resumed.length).toBeGreaterThan(0);
    expect(await metric("logResumes")).toBeGreaterThan(resumesBefore);

    // The Job the stand-in received is the builder's: labels, one attempt, no token, keys by reference.
    const created = kube.requests.filter((r) => r.method === "POST" && r.path === "/apis/batch/v1/namespaces/agents/jobs");
    expect(created.length).toBeGreaterThanOrEqual(2);
    const job = kube.jobs().find((j) => j.metadata?.name === job0);
    expect(job?.metadata?.labels).toMatchObject({ "threads-agent.dev/run-id": run.id, "threads-agent.dev/variation": "0" });
    expect(job?.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 900, ttlSecondsAfterFinished: 3600 });
    expect(job?.spec?.template.spec).toMatchObject({ restartPolicy: "Never", automountServiceAccountToken: false });

    const stored = await harness.loadRun(run.id);
    expect(stored.variations.map((v) => [v.status, v.job, v.line_count])).toEqual([
      ["succeeded", job0, 61],
      ["succeeded", jobName(run.id, 1), 61],
    ]);
    expect(stored.variations[0]?.log_cursor).toMatch(/^\d{4}-\d{2}-\d{2}T[\d:.]+Z 1$/);
  });

  it("survives watches that close and expire (410 Gone, as an event and as a status)", async () => {
    const goneBefore = await metric("watchRestarts", { reason: "gone" });
    const run = await harness.createRun({ repoUrl: REPO, variations: 2, prompt: "slow" });
    const { seen, done: reading } = followSse(harness.sseUrl(run.id), { timeoutMs: 30_000 });
    await waitFor("lines flowing", () => logLines(seen, 0).length > 10);
    kube.closeWatches();
    await new Promise((r) => setTimeout(r, 100));
    kube.expireWatches("error-event");
    await new Promise((r) => setTimeout(r, 200));
    kube.expireWatches("http-status");
    const { messages } = await reading;
    expect(messages.at(-1)?.json).toMatchObject({ type: "run.completed", status: "succeeded" });
    expect(logLines(messages, 1).map((m) => m.json.seq)).toEqual(Array.from({ length: 151 }, (_, i) => i));
    expect(await metric("watchRestarts", { reason: "gone" })).toBeGreaterThanOrEqual(goneBefore + 2);
    expect(await metric("watchRestarts", { reason: "closed" })).toBeGreaterThan(0);
  });

  it("reports each failure with its reason: agent error, OOMKilled, image pull (Job deleted), deadline", async () => {
    const run = await harness.createRun({ repoUrl: REPO, variations: 4, prompt: "failures" });
    const { messages } = await readSse(harness.sseUrl(run.id), { timeoutMs: 30_000 });
    expect(messages.at(-1)?.json).toMatchObject({ type: "run.completed", status: "failed" });
    const failures = Object.fromEntries(
      messages.filter((m) => m.json.type === "variation.failed").map((m) => [m.json.variation, [m.json.reason, m.json.exit_code]]),
    );
    expect(failures).toEqual({
      0: ["git clone failed: repository 'https://github.com/acme/gone/' not found", 1],
      1: ["out of memory: the agent went over its 1Gi limit and was killed (raise AGENT_MEMORY_LIMIT)", 137],
      2: [
        expect.stringMatching(
          /^the agent image cannot be pulled \(ErrImagePull: pull access denied .*\); check AGENT_IMAGE and the registry$/,
        ),
        null,
      ],
      3: ["deadline exceeded: the variation ran longer than 900 s (AGENT_ACTIVE_DEADLINE_SECONDS)", 143],
    });
    // A pod that can never start is not left waiting for its deadline.
    expect(kube.requests.some((r) => r.method === "DELETE" && r.path.endsWith(`/jobs/${jobName(run.id, 2)}`))).toBe(true);
    const stored = await harness.loadRun(run.id);
    expect(stored.variations.map((v) => v.status)).toEqual(["failed", "failed", "failed", "failed"]);
  });

  it("cancel deletes the run's Jobs with propagation and ends the run cancelled", async () => {
    const run = await harness.createRun({ repoUrl: REPO, variations: 2, prompt: "forever" });
    const { seen, done: reading } = followSse(harness.sseUrl(run.id), { timeoutMs: 30_000 });
    await waitFor("both variations printing", () => logLines(seen, 0).length === 5 && logLines(seen, 1).length === 5);
    await harness.cancel(run.id);
    const { messages } = await reading;
    expect(messages.at(-1)?.json).toMatchObject({ type: "run.cancelled" });
    for (const index of [0, 1]) {
      const del = kube.requests.find((r) => r.method === "DELETE" && r.path.endsWith(`/jobs/${jobName(run.id, index)}`));
      expect(del?.query.propagationPolicy).toBe("Background");
    }
    expect(kube.jobs().filter((j) => j.metadata?.labels?.["threads-agent.dev/run-id"] === run.id)).toEqual([]);
    // Every list and watch (Jobs, pods, the cancel's lookup) selects this launcher's instance only:
    // another release's launcher in the same namespace neither sees nor deletes these Jobs.
    const selections = kube.requests.filter((r) => r.method === "GET" && /\/(jobs|pods)$/.test(r.path));
    expect(selections.length).toBeGreaterThan(2);
    expect(selections.every((r) => r.query.labelSelector?.split(",").includes("app.kubernetes.io/instance=ta-test"))).toBe(true);
    const stored = await harness.loadRun(run.id);
    expect(stored.status).toBe("cancelled");
    expect(stored.variations.map((v) => [v.status, v.line_count])).toEqual([
      ["cancelled", 5],
      ["cancelled", 5],
    ]);
  });

  it("a launcher restart mid-run resumes the Jobs by label and the logs from the stored cursor", async () => {
    const run = await harness.createRun({ repoUrl: REPO, variations: 1, prompt: "held" });
    const { seen, done: reading } = followSse(harness.sseUrl(run.id), { timeoutMs: 60_000 });
    await waitFor("some lines", () => logLines(seen, 0).length > 30, 60_000);
    const logRequestsBefore = kube.requests.filter((r) => r.path.endsWith("/log")).length;
    const createsBefore = kube.requests.filter((r) => r.method === "POST").length;
    await harness.restartLauncher();
    kube.release(jobName(run.id, 0));
    const { messages } = await reading;

    expect(messages.at(-1)?.json).toMatchObject({ type: "run.completed", status: "succeeded" });
    const lines = logLines(messages, 0);
    expect(lines.map((m) => m.json.seq)).toEqual(Array.from({ length: 151 }, (_, i) => i));
    expect(lines.map((m) => m.json.line)).toEqual([
      ...Array.from({ length: 150 }, (_, i) => `variation 0 line ${i}`),
      "result: proposal of variation 0",
    ]);
    // The new launcher did not create a second Job; it followed the existing one from the cursor.
    expect(kube.requests.filter((r) => r.method === "POST").length).toBe(createsBefore);
    const after = kube.requests.filter((r) => r.path.endsWith("/log")).slice(logRequestsBefore);
    expect(after[0]?.query.sinceTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(messages.filter((m) => m.json.type === "variation.scheduled")).toHaveLength(1);
  });

  it("pushes a winner through a ship Job of its own (the variation's pod is left alone), and reports a refused branch", async () => {
    const run = await harness.createRun({ repoUrl: REPO, variations: 1 });
    await readSse(harness.sseUrl(run.id), { timeoutMs: 30_000 });
    const variation = (await harness.loadRun(run.id)).variations[0];
    await harness.db.variation.update({ where: { id: variation?.id }, data: { diff: "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n" } });
    const ships = new Queue(QUEUES.agentShips, { connection: harness.redis, prefix: harness.prefix });
    try {
      const ship = async (branch: string) => {
        const id = newId();
        await harness.db.runShip.create({ data: { id, run_id: run.id, variation: 0, branch } });
        await ships.add("ship", { ship_id: id }, agentShipJobOptions(id));
        await waitFor(
          `ship ${branch} ended`,
          async () => {
            const row = await harness.db.runShip.findUniqueOrThrow({ where: { id } });
            return row.status === "pushed" || row.status === "failed";
          },
          30_000,
        );
        return harness.db.runShip.findUniqueOrThrow({ where: { id } });
      };
      const pushed = await ship("agent/fix");
      expect(pushed).toMatchObject({ status: "pushed", commit: "c0ffee".padEnd(40, "0"), base: "main", job: `ship-${pushed.id}` });
      const job = kube.jobs().find((j) => j.metadata?.name === `ship-${pushed.id}`);
      expect(job?.metadata?.labels).toMatchObject({ "threads-agent.dev/run-id": run.id, "threads-agent.dev/ship-id": pushed.id });
      expect([env(job as V1Job, "AGENT_MODE"), env(job as V1Job, "SHIP_BRANCH"), env(job as V1Job, "SHIP_PATCH")]).toEqual([
        "ship",
        "agent/fix",
        "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n",
      ]);
      // The ship's log was read from its own pod, not the variation's (which the stand-in still has).
      expect(kube.podLog(jobName(run.id, 0)).length).toBeGreaterThan(0);
      expect(kube.requests.some((r) => r.path.endsWith("/log") && r.path.includes(`ship-${pushed.id}`))).toBe(true);

      const refused = await ship("taken");
      expect(refused).toMatchObject({ status: "failed", code: "branch_exists", reason: "branch taken already exists" });
    } finally {
      await ships.close();
    }
  });
});
