import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import readline from "node:readline";
import { freePort } from "./free-port.ts";
import { busyPorts } from "./ports.ts";
import { SERVICES, type ServiceName, type ServiceSpec, serviceEntry, serviceExists } from "./services.ts";

export type StackOptions = {
  /** Environment every service gets (DATABASE_URL, REDIS_URL, REDIS_PREFIX, keys, ...). */
  env: Record<string, string | undefined>;
  /** Per-service extra environment. */
  serviceEnv?: Partial<Record<ServiceName, Record<string, string>>>;
  /** Which services; default: all that exist in this checkout. */
  services?: ServiceName[];
  /** Fixed ports (the run command uses the documented defaults); free ports otherwise. */
  ports?: "defaults" | "free";
  /** Receives each output line of each service. */
  onLine?: (service: ServiceName, line: string, stream: "stdout" | "stderr") => void;
  /** Called when a service exits without being asked to. */
  onExit?: (service: ServiceName, code: number | null, signal: NodeJS.Signals | null) => void;
  healthTimeoutMs?: number;
  /**
   * With fake-threads and the orchestrator running, link each seeded persona to its own
   * fake-threads account (PUT /v1/personas/:id/threads-account), as a production deployment would
   * link real accounts. Default true.
   */
  linkPersonas?: boolean;
};

/**
 * fake-threads accounts the local stack gives the seeded personas: usernames equal to the persona
 * ids (the original contract's `/published` then shows the persona as each post's topic), and the
 * same development tokens in every fake-threads it starts, so links stored in a database stay valid
 * when fake-threads restarts. They open nothing but a local stand-in.
 */
export const FAKE_THREADS_ACCOUNTS: Readonly<Record<string, string>> = {
  "ai-jesus": "fake-threads-dev-token-ai-jesus",
  "ai-elon": "fake-threads-dev-token-ai-elon",
};
/** fake-threads' default account token (its own default too). */
export const FAKE_THREADS_DEFAULT_TOKEN = "fake-threads-dev-token";

/**
 * Node flags of every service process (the image sets the same in NODE_OPTIONS). Node 24's V8
 * grows the young generation up to 3 x 32 MiB while modules load, and keeps it: LangGraph's import
 * alone took a service from 42 to 182 MiB RSS with 18 MiB of it live. Semi-spaces capped at 8 MiB
 * kept it at 111 MiB, with no measurable change in CPU per task (bench/pipeline-throughput.ts).
 */
export const SERVICE_NODE_OPTIONS = "--max-semi-space-size=8";

export type Stack = {
  urls: Record<ServiceName, string>;
  env: Record<string, string>;
  /** Starts a stopped (or killed) service again with the same port and environment. */
  start(name: ServiceName, extraEnv?: Record<string, string>): Promise<void>;
  /** Sends a signal and waits for the exit (SIGKILL simulates a crash). */
  kill(name: ServiceName, signal?: NodeJS.Signals): Promise<void>;
  running(name: ServiceName): boolean;
  /** The process id of a running service (benchmarks read its CPU time from /proc). */
  pid(name: ServiceName): number | undefined;
  /** SIGTERM to every service, in reverse start order, waiting for each to exit. */
  stop(): Promise<void>;
};

/**
 * Runs every service as a local Node process against local Redis and PostgreSQL: the same code
 * paths as in the cluster, used by the README's run command and by the end-to-end tests.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  // THREADS_API_URL in the environment (the real Threads, say) replaces the stack's own fake-threads.
  const externalThreads = options.env.THREADS_API_URL;
  const wanted =
    options.services ?? SERVICES.map((s) => s.name).filter((name) => serviceExists(name) && !(name === "fake-threads" && externalThreads));
  const specs = SERVICES.filter((s) => wanted.includes(s.name));
  const ports = new Map<ServiceName, number>();
  for (const spec of specs) ports.set(spec.name, options.ports === "defaults" ? spec.defaultPort : await freePort());
  // The documented ports may be held by another stack (or anything else): refuse, naming them,
  // rather than start services that cannot listen while the health wait finds the other stack.
  if (options.ports === "defaults") await assertPortsFree(specs.map((s) => [s.name, s.defaultPort]));
  const urls = Object.fromEntries(specs.map((s) => [s.name, `http://127.0.0.1:${ports.get(s.name)}`])) as Record<ServiceName, string>;

  // Where each service finds the others.
  const shared: Record<string, string> = {};
  for (const [k, v] of Object.entries(options.env)) if (v !== undefined) shared[k] = v;
  if (urls["persona-runtime"]) shared.PERSONA_RUNTIME_URL = urls["persona-runtime"];
  const fakeThreadsEnv: Record<string, string> = {};
  if (urls["fake-threads"]) {
    // The Graph API lives under the version; the default account's token is the same on both sides.
    shared.THREADS_API_URL = `${urls["fake-threads"]}/v1.0`;
    shared.THREADS_ACCESS_TOKEN ??= FAKE_THREADS_DEFAULT_TOKEN;
    // A real account's id would mean nothing to fake-threads (empty counts as unset; it also masks the parent's).
    shared.THREADS_USER_ID = "";
    fakeThreadsEnv.THREADS_ACCOUNTS =
      options.env.THREADS_ACCOUNTS ??
      Object.entries(FAKE_THREADS_ACCOUNTS)
        .map(([persona, token]) => `${persona}:${token}`)
        .join(",");
  }
  // Linked accounts' tokens are stored encrypted; a stack without a key gets one of its own.
  shared.TOKEN_ENCRYPTION_KEY ??= randomBytes(32).toString("base64");
  shared.HOST ??= "127.0.0.1";

  const children = new Map<ServiceName, ChildProcess>();
  const stopping = new Set<ServiceName>();

  const start = async (name: ServiceName, extraEnv: Record<string, string> = {}) => {
    const spec = specs.find((s) => s.name === name) as ServiceSpec;
    const own = name === "fake-threads" ? fakeThreadsEnv : {};
    const env = {
      ...process.env,
      ...shared,
      ...own,
      ...options.serviceEnv?.[name],
      ...extraEnv,
      [spec.portVariable]: String(ports.get(name)),
      // Ours first: a flag the caller's NODE_OPTIONS repeats wins (V8 takes the last).
      NODE_OPTIONS: [SERVICE_NODE_OPTIONS, shared.NODE_OPTIONS, options.serviceEnv?.[name]?.NODE_OPTIONS, extraEnv.NODE_OPTIONS]
        .filter(Boolean)
        .join(" "),
    };
    // A process group of its own: a terminal's Ctrl-C reaches only the parent, which stops the
    // services itself, in order and once (they would otherwise get SIGINT and then SIGTERM).
    const child = spawn(process.execPath, [serviceEntry(name)], { env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    children.set(name, child);
    LIVE.add(child);
    child.once("exit", () => LIVE.delete(child));
    stopping.delete(name);
    for (const stream of ["stdout", "stderr"] as const) {
      readline.createInterface({ input: child[stream] }).on("line", (line) => options.onLine?.(name, line, stream));
    }
    child.on("exit", (code, signal) => {
      if (children.get(name) === child) children.delete(name);
      if (!stopping.has(name)) options.onExit?.(name, code, signal);
    });
    await waitHealthy(name, urls[name], child, options.healthTimeoutMs ?? 30_000);
  };

  const kill = async (name: ServiceName, signal: NodeJS.Signals = "SIGTERM") => {
    const child = children.get(name);
    if (!child || child.exitCode !== null) return;
    stopping.add(name);
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
  };

  const stop = async () => {
    for (const spec of [...specs].reverse()) await kill(spec.name, "SIGTERM");
  };

  try {
    // Start in dependency waves so each service finds what it calls already answering.
    const started = new Set<ServiceName>();
    while (started.size < specs.length) {
      const wave = specs.filter((s) => !started.has(s.name) && s.after.every((d) => started.has(d) || !wanted.includes(d)));
      await Promise.all(wave.map((s) => start(s.name)));
      for (const s of wave) started.add(s.name);
    }
    if (urls["fake-threads"] && urls.orchestrator && options.linkPersonas !== false && !options.env.THREADS_ACCOUNTS)
      await linkFakeAccounts(urls.orchestrator, urls["fake-threads"], shared.API_KEYS?.split(",")[0]?.trim());
  } catch (err) {
    await stop();
    throw err;
  }

  return { urls, env: shared, start, kill, stop, running: (name) => children.has(name), pid: (name) => children.get(name)?.pid };
}

/**
 * Each seeded persona publishes as its own fake-threads account, linked through the API as a user
 * would. A persona linked to another account (a real one, say) is left as it is: its link is the user's.
 */
async function linkFakeAccounts(api: string, fakeThreads: string, apiKey: string | undefined): Promise<void> {
  const auth: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  for (const [persona, token] of Object.entries(FAKE_THREADS_ACCOUNTS)) {
    const current = await fetch(`${api}/v1/personas/${persona}`, { headers: auth });
    // A database without the seeded persona simply has nothing to link.
    if (current.status === 404) continue;
    const linked = ((await current.json()) as { threads_account?: { user_id: string } | null }).threads_account;
    if (linked) {
      const me = (await (await fetch(`${fakeThreads}/v1.0/me?fields=id`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
        id?: string;
      };
      if (linked.user_id !== me.id) continue;
    }
    const res = await fetch(`${api}/v1/personas/${persona}/threads-account`, {
      method: "PUT",
      headers: { "content-type": "application/json", ...auth },
      body: JSON.stringify({ access_token: token }),
    });
    if (!res.ok) throw new Error(`linking ${persona} to its fake-threads account answered ${res.status}: ${await res.text()}`);
  }
}

class HealthOfAnother extends Error {}

// Services still running when this process exits (an error, Ctrl-C during start-up) are asked to stop.
const LIVE = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of LIVE) child.kill("SIGTERM");
});

/** Throws naming each taken port and, where it can be told, the process holding it. */
export async function assertPortsFree(ports: [string, number][]): Promise<void> {
  const busy = await busyPorts(ports);
  if (busy.length === 0) return;
  const lines = busy.map((b) => `port ${b.port} (${b.name}) is in use${b.holder ? ` by ${b.holder}` : ""}`);
  const hint = busy.some((b) => !b.holder) ? " (`ss -ltnp` or `lsof -iTCP -sTCP:LISTEN` shows who holds a port)" : "";
  throw new Error(`cannot start:\n  ${lines.join("\n  ")}\nAnother stack (scripts/up) or program holds them: stop it first${hint}.`);
}

/**
 * Waits until `child` answers /health. The answer must come from that process (its pid in the
 * body): another process on the port (another stack started in between) is an error, not a success.
 */
async function waitHealthy(name: ServiceName, url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} exited (code ${child.exitCode ?? child.signalCode}) before it was healthy; see its output above`);
    }
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) {
        const pid = ((await res.json()) as { pid?: unknown }).pid;
        if (pid === child.pid) return;
        throw new HealthOfAnother(
          `${url}/health answered from pid ${String(pid)}, not from the ${name} just started (pid ${child.pid}): another process holds its port`,
        );
      }
    } catch (err) {
      if (err instanceof HealthOfAnother) throw err;
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not answer ${url}/health within ${timeoutMs} ms`);
}
