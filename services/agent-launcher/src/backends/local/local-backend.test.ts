// The local backend's environment: a ship process (pushing a run's winner) gets the push
// credential and ship settings but no model keys; a variation never gets the credential. Real child processes print what they got.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger } from "@threads-agent/observability";
import { afterAll, describe, expect, it } from "vitest";
import type { OutputLine, VariationSpec } from "../backend.ts";
import { LocalBackend } from "./local-backend.ts";

const workRoot = mkdtempSync(path.join(tmpdir(), "ta-local-backend-"));
afterAll(() => rmSync(workRoot, { recursive: true, force: true }));

const PRINT_ENV = [
  "-e",
  "const keys = ['AGENT_MODE','SHIP_BRANCH','SHIP_PATCH','SHIP_TOKEN','OPENAI_API_KEY','AGENT_CHECK_COMMAND'];" +
    "console.log(JSON.stringify(Object.fromEntries(keys.map((k) => [k, process.env[k] ?? null]))))",
];

const backend = new LocalBackend({
  command: () => [process.execPath, ...PRINT_ENV],
  env: { PATH: process.env.PATH ?? "", OPENAI_API_KEY: "sk-model" },
  shipEnv: { SHIP_TOKEN: "ghp_push_secret" },
  workRoot,
  activeDeadlineSeconds: 30,
  logger: createLogger({ service: "local-backend-test", level: "silent" }),
});

const RUN = "01a1f000-0000-7000-8000-00000000beef";
const SPEC: VariationSpec = { runId: RUN, index: 0, repoUrl: "file:///x", prompt: "p", model: null, temperature: null };

async function envOf(spec: VariationSpec): Promise<Record<string, string | null>> {
  const { job } = await backend.launch(spec);
  const lines: OutputLine[] = [];
  const outcome = await backend.follow(
    { runId: spec.runId, index: spec.index, job, ...(spec.ship ? { ship: spec.ship.id } : {}) },
    { cursor: null, onStarted: async () => {}, onLines: async (l) => void lines.push(...l), signal: new AbortController().signal },
  );
  expect(outcome.status).toBe("succeeded");
  return JSON.parse(lines[0]?.text ?? "{}");
}

describe("LocalBackend environment", () => {
  it("a variation gets its check command and never the push credential", async () => {
    expect(await envOf({ ...SPEC, checkCommand: "npm test -- --run" })).toEqual({
      AGENT_MODE: null,
      SHIP_BRANCH: null,
      SHIP_PATCH: null,
      SHIP_TOKEN: null,
      OPENAI_API_KEY: "sk-model",
      AGENT_CHECK_COMMAND: "npm test -- --run",
    });
  });

  it("a ship process gets ship mode, the branch, the patch and the push credential, as its own workload next to the variation's", async () => {
    const ship = { id: "01a1f000-0000-7000-8000-0000000051a9", branch: "agent/x", patch: "--- a/x\n+++ b/x\n" };
    expect(await envOf({ ...SPEC, ship })).toMatchObject({
      AGENT_MODE: "ship",
      SHIP_BRANCH: "agent/x",
      SHIP_PATCH: ship.patch,
      SHIP_TOKEN: "ghp_push_secret",
      OPENAI_API_KEY: null,
    });
  });
});
