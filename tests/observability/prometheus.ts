// A real Prometheus for tests: Debian's `prometheus` binary with its own configuration and data
// directory in a temporary folder, on a free port, scraping the targets it is given every
// `scrapeSeconds` and evaluating monitoring/'s rule files as often.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "@threads-agent/stack";
import { waitFor } from "@threads-agent/testing";

export const PROMETHEUS = "/usr/bin/prometheus";
export const hasPrometheus = () => spawnSync(PROMETHEUS, ["--version"], { stdio: "ignore" }).status === 0;

export type ScrapeTarget = { address: string; labels: Record<string, string> };
export type Sample = { metric: Record<string, string>; value: number };

export type Prometheus = {
  url: string;
  /** An instant query (at `time`, seconds, or now): every series with its value (NaN kept). */
  query(expr: string, time?: number): Promise<Sample[]>;
  /** GET /api/v1/<path> as JSON `data`. */
  api<T = unknown>(pathname: string): Promise<T>;
  close(): Promise<void>;
};

export async function startPrometheus(options: {
  job: string;
  targets: ScrapeTarget[];
  ruleFiles: string[];
  scrapeSeconds: number;
  onLine?: (line: string) => void;
}): Promise<Prometheus> {
  const dir = mkdtempSync(path.join(tmpdir(), "ta-prometheus-"));
  const port = await freePort();
  const config = {
    global: {
      scrape_interval: `${options.scrapeSeconds}s`,
      evaluation_interval: `${options.scrapeSeconds}s`,
      scrape_timeout: `${options.scrapeSeconds}s`,
    },
    rule_files: options.ruleFiles,
    scrape_configs: [
      {
        job_name: options.job,
        static_configs: options.targets.map((t) => ({ targets: [t.address.replace(/^https?:\/\//, "")], labels: t.labels })),
      },
    ],
  };
  writeFileSync(path.join(dir, "prometheus.yml"), JSON.stringify(config));
  const child: ChildProcess = spawn(
    PROMETHEUS,
    [
      `--config.file=${path.join(dir, "prometheus.yml")}`,
      `--storage.tsdb.path=${path.join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--web.enable-lifecycle",
      "--log.level=warn",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout?.on("data", (d: Buffer) => options.onLine?.(d.toString()));
  child.stderr?.on("data", (d: Buffer) => options.onLine?.(d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const api = async <T>(pathname: string): Promise<T> => {
    const res = await fetch(`${url}/api/v1/${pathname}`);
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== "success") throw new Error(`Prometheus ${pathname}: ${body.error ?? res.status}`);
    return body.data;
  };
  await waitFor(
    "Prometheus to answer",
    async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}`);
      return (await fetch(`${url}/-/ready`).catch(() => null))?.ok ?? false;
    },
    30_000,
    200,
  );
  return {
    url,
    api,
    async query(expr, time) {
      const params = new URLSearchParams({ query: expr, ...(time ? { time: String(time) } : {}) });
      const data = await api<{ resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] }>(
        `query?${params}`,
      );
      if (data.resultType === "scalar") {
        const [, v] = data.result as unknown as [number, string];
        return [{ metric: {}, value: Number(v) }];
      }
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
