// What verification costs and what it says: three scripted model variations (the LLM stand-in
// speaking both providers' formats) on a repository whose `npm test` fails until src/greet.js
// changes, each run as the real agent process, with verification on and, as the baseline, off.
//   node bench/agent-verification.ts [--rounds 3]
// Prints per variation: the patched check, outcome, score, the time verification added (both
// phases, from the result) and the wall time with and without it; then the suggested winner.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs, promisify } from "node:util";
import { AGENT_MAIN, GREET_PROMPT, GREET_VARIATIONS, greetVariationsReply } from "@threads-agent/agent";
import { AgentEvent, suggestWinner, type VerificationSummary } from "@threads-agent/contracts";
import { createTestRepository, GREET_FILES } from "@threads-agent/testing";
import { startLlmStandIn } from "@threads-agent/testing/llm-stand-in";
import { fmt, percentile } from "./stats.ts";

const { values } = parseArgs({ options: { rounds: { type: "string", default: "3" } } });
const rounds = Number(values.rounds);
const KEYS = { openai: "sk-bench-openai", anthropic: "sk-bench-anthropic" };

const standIn = await startLlmStandIn({ keys: KEYS, reply: greetVariationsReply });
const repo = createTestRepository(GREET_FILES);
const workdir = mkdtempSync(path.join(tmpdir(), "ta-bench-verify-"));

async function variation(index: number, model: string, verify: boolean) {
  const started = performance.now();
  const { stdout } = await promisify(execFile)(process.execPath, [AGENT_MAIN], {
    env: {
      PATH: process.env.PATH,
      RUN_ID: "01a1f000-0000-7000-8000-0000000000be",
      VARIATION: String(index),
      REPO_URL: repo.url,
      ALLOW_FILE_REPOS: "true",
      AGENT_PROMPT: GREET_PROMPT,
      AGENT_MODEL: model,
      AGENT_WORKDIR: workdir,
      AGENT_VERIFY: String(verify),
      OPENAI_API_KEY: KEYS.openai,
      ANTHROPIC_API_KEY: KEYS.anthropic,
      OPENAI_BASE_URL: standIn.openaiBaseUrl,
      ANTHROPIC_BASE_URL: standIn.anthropicBaseUrl,
    },
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = performance.now() - started;
  const events = stdout
    .trim()
    .split("\n")
    .map((l) => AgentEvent.parse(JSON.parse(l)));
  const result = events.at(-1);
  if (result?.type !== "result") throw new Error(`variation ${index} ended with ${JSON.stringify(result)}`);
  return { wallMs, verification: result.verification as VerificationSummary };
}

try {
  const rows = [];
  for (const [index, { model }] of GREET_VARIATIONS.entries()) {
    const on: number[] = [];
    const off: number[] = [];
    const added: number[] = [];
    let verification: VerificationSummary | undefined;
    for (let round = 0; round < rounds; round++) {
      const a = await variation(index, model, true);
      const b = await variation(index, model, false);
      on.push(a.wallMs);
      off.push(b.wallMs);
      added.push(a.verification.duration_ms);
      verification = a.verification;
    }
    rows.push({ index, model, verification: verification as VerificationSummary, on, off, added });
  }
  console.log(
    `${rounds} rounds per variation; p50 of each (node ${process.version}, ${GREET_VARIATIONS.length} variations run one at a time)`,
  );
  for (const r of rows) {
    const v = r.verification;
    const baseline = v.baseline[0];
    const patched = v.patched[0];
    console.log(
      [
        `variation ${r.index} (${r.model})`,
        `  baseline: ${baseline?.command} ${baseline?.status} (${baseline?.passed} passed, ${baseline?.failed} failed)`,
        `  patched:  ${patched?.command} ${patched?.status} (${patched?.passed} passed, ${patched?.failed} failed)`,
        `  outcome ${v.outcome}, score ${v.score} (checks ${v.parts.checks} + size ${v.parts.size} + confidence ${v.parts.confidence}); ${v.detail}`,
        `  verification added ${fmt(percentile(r.added, 50), 0)} ms (both phases); wall ${fmt(percentile(r.on, 50), 0)} ms with, ${fmt(percentile(r.off, 50), 0)} ms without`,
      ].join("\n"),
    );
  }
  const winner = suggestWinner(rows.map((r) => ({ variation: r.index, verification: r.verification })));
  console.log(winner ? `suggested winner: variation ${winner.variation}: ${winner.reason}` : "suggested winner: none");
} finally {
  await standIn.close();
  repo.remove();
  rmSync(workdir, { recursive: true, force: true });
}
