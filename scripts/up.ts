// The embedded stack: every service as a local process against local Redis and PostgreSQL, agent
// backend `local`, offline LLM unless keys are set. Started by `scripts/up` (which installs first).

import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { createDb, ensureDatabase, migrateDatabase, seedPersonas } from "@threads-agent/db";
import { assertPortsFree, FAKE_THREADS_ACCOUNTS, SERVICES, type ServiceName, type Stack, startStack } from "@threads-agent/stack";
import { TokenCipher, tokenContext } from "@threads-agent/threads";

const { values: args } = parseArgs({
  options: {
    once: { type: "boolean", default: process.env.ONCE === "1" || process.env.ONCE === "true" },
    "no-demo": { type: "boolean", default: false },
    "demo-post": { type: "boolean", default: false },
    quiet: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (args.help) {
  console.log(`usage: scripts/up [--once] [--no-demo] [--demo-post] [--quiet]
  --once       run the demo task and agent run, then stop everything and exit (0 when both succeeded)
  --no-demo    only start the stack
  --demo-post  with THREADS_API_URL set (the real Threads), publish the demo post there too
  --quiet      hide service logs (warnings and errors still show)
Environment: DATABASE_URL, REDIS_URL, REDIS_PREFIX, OPENAI_API_KEY, ANTHROPIC_API_KEY, API_KEYS,
THREADS_API_URL + THREADS_ACCESS_TOKEN (the real Threads instead of fake-threads), TOKEN_ENCRYPTION_KEY (see README).`);
  process.exit(0);
}

const tty = process.stdout.isTTY;
const paint = (code: number, text: string) => (tty ? `\x1b[${code}m${text}\x1b[0m` : text);
const bold = (t: string) => paint(1, t);
const dim = (t: string) => paint(2, t);
const COLORS: Record<ServiceName, number> = {
  "fake-threads": 35,
  "persona-runtime": 36,
  worker: 33,
  orchestrator: 32,
  "agent-launcher": 34,
};
const say = (text: string) => console.log(`${paint(1, "[up]")} ${text}`);

const ROOT = path.resolve(import.meta.dirname, "..");

/**
 * TOKEN_ENCRYPTION_KEY for this checkout: the environment's, else a development key generated once
 * and kept in .run/ (not committed), so tokens linked in the local database stay readable across runs.
 */
function devTokenKey(): string {
  if (process.env.TOKEN_ENCRYPTION_KEY) return process.env.TOKEN_ENCRYPTION_KEY;
  const file = path.join(ROOT, ".run", "token-encryption-key");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const key = randomBytes(32).toString("base64");
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

// The real Threads when THREADS_API_URL is set (with THREADS_ACCESS_TOKEN), else the stack's own fake-threads.
const realThreads = process.env.THREADS_API_URL;
const env = {
  DATABASE_URL: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/threads_agent",
  REDIS_URL: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
  REDIS_PREFIX: process.env.REDIS_PREFIX ?? "ta",
  LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
  AGENT_BACKEND: process.env.AGENT_BACKEND ?? "local",
  // The demo agent run clones a repository from this machine: file:// repositories under the
  // checkout and the system temp dir (where the demo makes its repository), not every path.
  ALLOW_FILE_REPOS: process.env.ALLOW_FILE_REPOS ?? [ROOT, tmpdir()].join(","),
  // Trend feeds served from this machine (a local RSS file server) are fine on a laptop; the chart keeps this off.
  ALLOW_PRIVATE_FEEDS: process.env.ALLOW_PRIVATE_FEEDS ?? "true",
  // Stream the offline model's words with a small delay so the dashboard shows the post being written.
  OFFLINE_STREAM_DELAY_MS: process.env.OFFLINE_STREAM_DELAY_MS ?? "15",
  // Likewise, pace the offline agent's output lines so they visibly stream.
  AGENT_PACE_MS: process.env.AGENT_PACE_MS ?? "10",
  TOKEN_ENCRYPTION_KEY: devTokenKey(),
  // A real token must not go to fake-threads: without THREADS_API_URL the stack uses its development token.
  THREADS_ACCESS_TOKEN: realThreads ? process.env.THREADS_ACCESS_TOKEN : undefined,
};

/** pino JSON → one readable line: time, level, message, the interesting fields. */
function formatLog(line: string): { text: string; level: string } {
  try {
    const { time, level, msg, service: _s, name: _n, pid: _p, hostname: _h, ...rest } = JSON.parse(line) as Record<string, unknown>;
    const fields = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
      .join(" ");
    const lvl = String(level ?? "info");
    const lvlText =
      lvl === "error" || lvl === "fatal" ? paint(31, lvl.toUpperCase()) : lvl === "warn" ? paint(33, "WARN") : dim(lvl.toUpperCase());
    return { text: `${dim(String(time ?? "").slice(11, 23))} ${lvlText} ${msg ?? ""} ${dim(fields)}`, level: lvl };
  } catch {
    return { text: line, level: "info" };
  }
}

async function prepareDatabase() {
  if (await ensureDatabase(env.DATABASE_URL)) say(`created database ${new URL(env.DATABASE_URL).pathname.slice(1)}`);
  await migrateDatabase(env.DATABASE_URL);
  const db = createDb(env.DATABASE_URL);
  await seedPersonas(db);
  if (realThreads) await unlinkFakeAccounts(db);
  await db.$disconnect();
}

/**
 * Against the real Threads, the seeded personas' links to fake-threads accounts (from earlier runs
 * against fake-threads) would only fail: drop them, so those personas publish as the account of
 * THREADS_ACCESS_TOKEN until linked to real accounts.
 */
async function unlinkFakeAccounts(db: ReturnType<typeof createDb>) {
  const cipher = TokenCipher.fromBase64(env.TOKEN_ENCRYPTION_KEY);
  const fake = new Set(Object.values(FAKE_THREADS_ACCOUNTS));
  for (const row of await db.threadsAccount.findMany({ where: { persona_id: { not: null } } })) {
    const persona = row.persona_id as string;
    let token: string | null = null;
    try {
      token = cipher.decrypt(row.token_ciphertext, tokenContext.persona(persona));
    } catch {
      // Stored with another key: not ours to judge.
    }
    if (token && fake.has(token)) {
      await db.threadsAccount.delete({ where: { id: row.id } });
      say(
        `${persona} was linked to a fake-threads account: unlinked (it publishes as THREADS_ACCESS_TOKEN's account; PUT /v1/personas/${persona}/threads-account links a real one)`,
      );
    }
  }
}

/** Reads an SSE endpoint until the server ends the stream, handing each event to `onEvent`. */
async function followEvents(url: string, onEvent: (event: Record<string, unknown>) => void): Promise<Record<string, unknown> | undefined> {
  const stream = await fetch(url, { headers: { accept: "text/event-stream" } });
  if (!stream.ok || !stream.body) throw new Error(`GET ${url} answered ${stream.status}`);
  const decoder = new TextDecoder();
  let buffer = "";
  let last: Record<string, unknown> | undefined;
  for await (const chunk of stream.body as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let i: number;
    while ((i = buffer.indexOf("\n\n")) >= 0) {
      const frame = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      const data = frame.split("\n").find((l) => l.startsWith("data:"));
      if (!data) continue;
      last = JSON.parse(data.slice(5)) as Record<string, unknown>;
      onEvent(last);
    }
  }
  return last;
}

async function post(api: string, path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${api}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function followTask(api: string): Promise<boolean> {
  const input = "Open-source AI agents can now fix real bugs in real repositories";
  say(`demo task: ${bold("ai-elon")} on ${JSON.stringify(input)}`);
  const created = await post(api, "/v1/tasks", { persona_id: "ai-elon", input });
  if (created.status !== 202) {
    say(paint(31, `POST /v1/tasks answered ${created.status}: ${JSON.stringify(created.json)}`));
    return false;
  }
  const id = String(created.json.id);
  say(`task ${id} queued; following ${api}/v1/tasks/${id}/events`);
  let deltaStep = "";
  const last = await followEvents(`${api}/v1/tasks/${id}/events`, (event) => {
    if (event.type === "step.delta") {
      if (deltaStep !== event.step) process.stdout.write(`       ${dim(`${event.step}:`)} `);
      deltaStep = String(event.step);
      process.stdout.write(String(event.text));
      return;
    }
    if (deltaStep) process.stdout.write("\n");
    deltaStep = "";
    const step = event.step ? ` ${event.step}` : "";
    const extra =
      event.type === "step.completed"
        ? dim(` ${event.ms} ms, ${event.tokens} tokens`)
        : event.reason
          ? ` ${event.reason}`
          : event.error
            ? ` ${JSON.stringify(event.error)}`
            : "";
    console.log(`  ${paint(36, "sse")} ${String(event.type)}${step}${extra}`);
  });
  if (last?.type !== "task.succeeded") return false;
  const published = last.post as { text: string; published_id: string; permalink: string | null };
  const where = realThreads ? "Published to Threads" : "Published to fake-threads";
  console.log(
    `\n${bold(where)} ${dim(`(media id ${published.published_id}${published.permalink ? `, ${published.permalink}` : ""})`)}:\n\n${published.text.replace(/^/gm, "    ")}\n`,
  );
  return true;
}

/**
 * A small repository made for the demo, with a test the agents' verification runs before and
 * after each proposed change (this checkout would be a poor demo: every variation would run the
 * whole test suite twice).
 */
function demoRepository(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "threads-agent-demo-repo-"));
  const files: Record<string, string> = {
    "README.md": "# demo\n\nA tiny repository for the agent-run demo.\n",
    "package.json": `${JSON.stringify({ name: "demo", type: "module", scripts: { test: "node --test" } }, null, 2)}\n`,
    "index.js": "// TODO: handle errors\nexport const hello = (name) => 'hello ' + name;\n",
    "index.test.js":
      "import assert from 'node:assert/strict';\nimport test from 'node:test';\nimport { hello } from './index.js';\n\ntest('says hello', () => assert.equal(hello('you'), 'hello you'));\n",
  };
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  for (const args of [
    ["init", "-q"],
    ["add", "."],
    ["-c", "user.name=demo", "-c", "user.email=demo@localhost", "commit", "-qm", "demo"],
  ]) {
    spawnSync("git", ["-C", dir, ...args], { stdio: "ignore" });
  }
  return `file://${dir}`;
}

async function followRun(api: string): Promise<boolean> {
  const repo = demoRepository();
  const prompt = "Find the most useful small improvement for a newcomer and propose it as a patch";
  say(`demo agent run: 3 variations on ${repo}`);
  const created = await post(api, "/v1/runs", { repo_url: repo, prompt, variations: 3 });
  if (created.status !== 202) {
    say(paint(31, `POST /v1/runs answered ${created.status}: ${JSON.stringify(created.json)}`));
    return false;
  }
  const id = String(created.json.id);
  say(`run ${id} queued; following ${api}/v1/runs/${id}/events (every variation's output, live)`);
  const VARIATION_COLORS = [33, 36, 35, 32, 34];
  const last = await followEvents(`${api}/v1/runs/${id}/events`, (event) => {
    const v = typeof event.variation === "number" ? event.variation : undefined;
    const tag = v === undefined ? paint(36, "run") : paint(VARIATION_COLORS[v % VARIATION_COLORS.length] ?? 37, `v${v}`);
    if (event.type === "variation.log") console.log(`  ${tag}  ${String(event.line)}`);
    else {
      const extra = event.reason
        ? ` ${event.reason}`
        : event.status
          ? ` ${event.status}`
          : event.exit_code !== undefined
            ? ` exit ${event.exit_code}`
            : "";
      console.log(`  ${tag}  ${bold(String(event.type))}${extra}`);
    }
  });
  const ok = last?.type === "run.completed" && last.status === "succeeded";
  say(`run ${String(last?.status ?? last?.type)}: compare the variations and pick a winner at ${api}/#run=${id}`);
  return ok;
}

let stack: Stack | undefined;
let stopping = false;
/**
 * Stops every service (each in its own process group, so a Ctrl-C reaches only this process) and
 * exits with `code`. Services stopping because they were asked to are not reported as exits, and
 * their shutdown chatter is not shown.
 */
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  if (stack) say("stopping every service...");
  await stack?.stop();
  if (stack) say("stopped");
  process.exit(code);
}
// Ctrl-C (again while stopping changes nothing: the services are already being stopped, in order).
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

try {
  // Before anything else: the documented ports must be free (a second scripts/up would otherwise
  // run its demo against the first one's services).
  const services = SERVICES.map((s) => s.name).filter((name) => !(name === "fake-threads" && realThreads));
  await assertPortsFree(SERVICES.filter((s) => services.includes(s.name)).map((s) => [s.name, s.defaultPort]));
  say(
    `database ${new URL(env.DATABASE_URL).host}${new URL(env.DATABASE_URL).pathname}, redis ${new URL(env.REDIS_URL).host} (prefix ${env.REDIS_PREFIX})`,
  );
  await prepareDatabase();
  const keys = [process.env.OPENAI_API_KEY && "OpenAI", process.env.ANTHROPIC_API_KEY && "Anthropic"].filter(Boolean);
  if (realThreads) {
    say(
      `Threads: ${bold(realThreads)} as the account of THREADS_ACCESS_TOKEN${process.env.THREADS_ACCESS_TOKEN ? "" : paint(33, " (unset: only personas linked with PUT /v1/personas/:id/threads-account can publish)")}`,
    );
  } else {
    say("Threads: fake-threads (set THREADS_API_URL=https://graph.threads.net/v1.0 and THREADS_ACCESS_TOKEN for the real Threads)");
    if (process.env.THREADS_ACCESS_TOKEN)
      say(paint(33, "THREADS_ACCESS_TOKEN is set but THREADS_API_URL is not: it is not used, posts go to fake-threads"));
  }
  say(`LLM: ${keys.length ? keys.join(" + ") : "offline provider (set OPENAI_API_KEY or ANTHROPIC_API_KEY for real models)"}`);
  stack = await startStack({
    env: { ...process.env, ...env },
    ports: "defaults",
    onLine: (service, line) => {
      const { text, level } = formatLog(line);
      const loud = level === "warn" || level === "error" || level === "fatal";
      if ((args.quiet || stopping) && !loud) return;
      console.log(`${paint(COLORS[service], `[${service}]`.padEnd(18))}${text}`);
    },
    onExit: (service, code, signal) => {
      if (stopping) return;
      say(paint(31, `${service} exited unexpectedly (${signal ?? `code ${code}`}); stopping`));
      void shutdown(1);
    },
  });
  const api = stack.urls.orchestrator;
  say(
    `all services up: ${Object.entries(stack.urls)
      .map(([n, u]) => `${n} ${u}`)
      .join(", ")}`,
  );

  let ok = true;
  if (!args["no-demo"]) {
    if (realThreads && !args["demo-post"]) say("not publishing a demo post to your Threads account (scripts/up --demo-post does)");
    else ok = (await followTask(api)) && ok;
    if (stack.urls["agent-launcher"]) ok = (await followRun(api)) && ok;
  }

  console.log(`
${bold("threads-agent is running")}
  Dashboard      ${paint(4, `${api}/`)}
  API docs       ${api}/docs   (OpenAPI: ${api}/openapi.json)
  Metrics        ${api}/metrics
  ${stack.urls["fake-threads"] ? `fake-threads   ${stack.urls["fake-threads"]}/published` : `Threads        ${realThreads}`}
  Try:  curl -s -X POST ${api}/v1/tasks -H 'content-type: application/json' -d '{"persona_id":"ai-jesus","input":"Monday anxiety"}'
`);
  if (args.once) await shutdown(ok ? 0 : 1);
  else say("Ctrl-C stops everything");
} catch (err) {
  say(paint(31, err instanceof Error ? err.message : String(err)));
  await shutdown(1);
}
