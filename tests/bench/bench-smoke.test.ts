// Each benchmark once at a tiny size, so they keep working: it must exit by itself with status 0
// and end with its JSON line. No thresholds: the figures of a smoke run on a shared machine mean nothing.
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

function run(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "bench", script), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk;
    });
    // A benchmark that does not exit by itself is the bug this test is for: kill it and say so.
    const timer = setTimeout(() => child.kill("SIGKILL"), 240_000);
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split("\n").at(-1) ?? "null") as Record<string, unknown>;

describe("benchmarks (smoke run at a tiny size)", () => {
  it.each([
    ["pipeline-throughput.ts", ["--tasks", "12", "--baseline-jobs", "200", "--concurrency", "4"]],
    ["api-accept.ts", ["--seconds", "1", "--warmup", "0.5", "--connections", "4"]],
    ["sse-fanout.ts", ["--levels", "5,20", "--broadcasts", "2"]],
    ["scale-out.ts", ["--tasks", "6", "--hold-ms", "5", "--concurrency", "4"]],
  ] as const)("%s runs to its end and prints its figures as JSON", { timeout: 300_000 }, async (script, args) => {
    const { code, stdout, stderr } = await run(script, [...args]);
    expect(code, `${script} exited ${code}\n${stdout}\n${stderr}`).toBe(0);
    const figures = lastJson(stdout);
    expect(figures.bench).toBe(script.replace(/\.ts$/, ""));
    if (script === "pipeline-throughput.ts") expect(figures.status).toEqual({ succeeded: 12 });
    // Both levels ran every task through, the second with the worker balancing over two instances.
    if (script === "scale-out.ts")
      expect((figures.levels as { instances: number; succeeded: number }[]).map((l) => [l.instances, l.succeeded])).toEqual([
        [1, 6],
        [2, 6],
      ]);
  });
});
