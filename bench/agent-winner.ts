// A run of three variations through the whole stack, as a user makes it: POST /v1/runs to the
// orchestrator's real app, the real launcher on the local backend, the real agent (the tool loop
// against the LLM stand-in: the three scripted variations of scripted-variations.ts) on a
// repository whose `npm test` fails until src/greet.js changes; then the winner's patch and a
// push of it to a bare repository (file://). Each round runs the same run twice: with
// verification (the product) and without it (AGENT_VERIFY=false: the baseline), variations in
// parallel as users get them.
//   node bench/agent-winner.ts [--rounds 3]
// Prints per variation the verification result, the score, the time verification added (the
// agent's own measure: both phases), then the suggested winner, the runs' wall time with and
// without verification, the patch download and the push.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { AGENT_MAIN, GREET_PROMPT, GREET_VARIATIONS, greetVariationsReply } from "@threads-agent/agent";
import {
  createLauncher,
  createDeps as createLauncherDeps,
  LocalBackend,
  configSchema as launcherConfig,
} from "@threads-agent/agent-launcher";
import { type Run, TERMINAL_RUN_EVENTS } from "@threads-agent/contracts";
import { createLogger } from "@threads-agent/observability";
import { buildApp, configSchema, createDeps as createOrchestratorDeps } from "@threads-agent/orchestrator";
import { createTestRepository, GREET_FILES } from "@threads-agent/testing";
import { startLlmStandIn } from "@threads-agent/testing/llm-stand-in";
import { createScratchDatabase, databaseUrl, deleteScratchKeys, dropScratchDatabase, prefix, redisUrl } from "./scratch.ts";
import { fmt, percentile } from "./stats.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" } } });
const rounds = Number(values.rounds);
const KEYS = { openai: "sk-bench-openai", anthropic: "sk-bench-anthropic" };

async function untilEnd(url: string): Promise<void> {
  const res = await fetch(url, { headers: { accept: "text/event-stream" } });
  if (!res.ok || !res.body) throw new Error(`SSE answered ${res.status}`);
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (const line of buffer.split("\n")) {
      if (line.startsWith("data: ") && TERMINAL_RUN_EVENTS.has((JSON.parse(line.slice(6)) as { type: string }).type)) return;
    }
    buffer = buffer.slice(buffer.lastIndexOf("\n") + 1);
  }
}

async function main() {
  await createScratchDatabase();
  const logger = createLogger({ service: "bench", level: "warn" });
  const scratch = mkdtempSync(path.join(tmpdir(), "ta-bench-winner-"));
  const source = createTestRepository(GREET_FILES);
  const remote = path.join(scratch, "greet.git");
  execFileSync("git", ["clone", "--quiet", "--bare", source.dir, remote]);
  const standIn = await startLlmStandIn({ keys: KEYS, reply: greetVariationsReply });
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: prefix,
    LOG_LEVEL: "warn",
    ALLOW_FILE_REPOS: "true",
    REPO_HOST_ALLOWLIST: "github.com",
    SHIP_ENABLED: "true",
    SHIP_WAIT_SECONDS: "120",
  };
  let verify = true;
  const launcherDeps = createLauncherDeps(launcherConfig.parse(env), {
    logger,
    backend: () =>
      new LocalBackend({
        command: () => [process.execPath, AGENT_MAIN],
        // Read at each launch: the same launcher runs both halves of a round.
        get env() {
          return {
            PATH: process.env.PATH ?? "",
            ALLOW_FILE_REPOS: "true",
            AGENT_VERIFY: String(verify),
            OPENAI_API_KEY: KEYS.openai,
            ANTHROPIC_API_KEY: KEYS.anthropic,
            OPENAI_BASE_URL: standIn.openaiBaseUrl,
            ANTHROPIC_BASE_URL: standIn.anthropicBaseUrl,
          };
        },
        shipEnv: { SHIP_AUTHOR_NAME: "bench", SHIP_AUTHOR_EMAIL: "bench@example.com" },
        workRoot: path.join(scratch, "work"),
        activeDeadlineSeconds: 600,
        logger,
      }),
  });
  const launcher = createLauncher(launcherDeps, { concurrency: 4 });
  await launcher.start();
  launcherDeps.relay.start();
  const orchestrator = await createOrchestratorDeps(configSchema.parse(env), { logger });
  const app = await buildApp(orchestrator);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const api = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  const post = async (pathname: string, body: unknown) => {
    const res = await fetch(`${api}${pathname}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Run & { id: string } };
  };
  const oneRun = async (withVerification: boolean) => {
    verify = withVerification;
    const started = performance.now();
    const created = await post("/v1/runs", {
      repo_url: `file://${remote}`,
      prompt: GREET_PROMPT,
      variations: GREET_VARIATIONS.map((v) => ({ model: v.model })),
    });
    await untilEnd(`${api}/v1/runs/${created.body.id}/events`);
    const wallMs = performance.now() - started;
    const run = (await (await fetch(`${api}/v1/runs/${created.body.id}`)).json()) as Run;
    return { run, wallMs };
  };

  try {
    const withWall: number[] = [];
    const withoutWall: number[] = [];
    const added: number[][] = GREET_VARIATIONS.map(() => []);
    let last: Run | null = null;
    for (let round = 0; round < rounds; round++) {
      const on = await oneRun(true);
      const off = await oneRun(false);
      withWall.push(on.wallMs);
      withoutWall.push(off.wallMs);
      for (const v of on.run.variations) added[v.index]?.push(v.verification?.summary?.duration_ms ?? Number.NaN);
      last = on.run;
    }
    const run = last as Run;
    console.log(
      `${rounds} rounds; p50 of each (node ${process.version}; 3 variations in parallel per run, through the API, launcher and agent)`,
    );
    for (const v of run.variations) {
      const base = v.verification?.baseline?.checks[0];
      const patched = v.verification?.patched?.checks[0];
      const counts = (c: typeof base) => (c?.tests ? `${c.tests.passed} passed, ${c.tests.failed} failed` : "no counts");
      console.log(
        [
          `variation ${v.index} (${GREET_VARIATIONS[v.index]?.model}); checks of the last round`,
          `  baseline: ${base?.command} ${base?.status} (${counts(base)}, exit ${base?.exit_code}, ${fmt(base?.duration_ms ?? 0, 0)} ms)`,
          `  patched:  ${patched?.command} ${patched?.status} (${counts(patched)}, exit ${patched?.exit_code}, ${fmt(patched?.duration_ms ?? 0, 0)} ms)`,
          `  outcome ${v.outcome}, score ${v.score}; ${v.verification?.summary?.detail}`,
          `  verification added ${fmt(percentile(added[v.index] ?? [], 50), 0)} ms (both phases, the agent's measure)`,
        ].join("\n"),
      );
    }
    console.log(
      run.suggested_winner
        ? `suggested winner: variation ${run.suggested_winner.variation}: ${run.suggested_winner.reason}`
        : "suggested winner: none",
    );
    console.log(
      `run wall time (POST /v1/runs to run.completed): ${fmt(percentile(withWall, 50), 0)} ms with verification, ${fmt(percentile(withoutWall, 50), 0)} ms without (AGENT_VERIFY=false)`,
    );

    const patchStarted = performance.now();
    const patch = await (await fetch(`${api}/v1/runs/${run.id}/variations/0/patch`)).text();
    const patchMs = performance.now() - patchStarted;
    const shipStarted = performance.now();
    const shipped = await post(`/v1/runs/${run.id}/winner`, { variation: 0, push: { branch: "bench/winner" } });
    const shipMs = performance.now() - shipStarted;
    const commits = execFileSync("git", ["rev-list", "--count", "main..bench/winner"], { cwd: remote, encoding: "utf8" }).trim();
    console.log(`patch: ${patch.split("\n").length - 1} lines in ${fmt(patchMs, 0)} ms`);
    console.log(
      `push: HTTP ${shipped.status}, branch ${shipped.body.branch} (${commits} commit ${shipped.body.ship?.commit?.slice(0, 12)}) in ${fmt(shipMs, 0)} ms`,
    );
  } finally {
    await app.close();
    await orchestrator.close();
    await launcher.close();
    await launcherDeps.close();
    await standIn.close();
    source.remove();
    rmSync(scratch, { recursive: true, force: true });
    await deleteScratchKeys();
    await dropScratchDatabase();
  }
}

await main();
