// Shared by the delivery tests: the tools from scripts/tools.sh, chart rendering, and walking the
// rendered objects. Everything here runs offline.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const CHART = path.join(ROOT, "chart");
export const BIN = path.join(ROOT, ".tools", "bin");
export const VALUES_FILES = ["values.yaml", "values-dev.yaml", "values-ci.yaml", "values-prod.yaml"] as const;
export const RELEASE = "ta";
export const NAMESPACE = "threads-agent";

let toolsReady = false;
/** Installs helm, kubectl and just into .tools/bin from the npm registry (a no-op once installed). */
export function ensureTools(): void {
  if (toolsReady) return;
  execFileSync("bash", [path.join(ROOT, "scripts", "tools.sh")], { stdio: ["ignore", "ignore", "inherit"], timeout: 300_000 });
  toolsReady = true;
}

export function tool(name: "helm" | "kubectl" | "just"): string {
  return path.join(BIN, name);
}

export type RunResult = { status: number; stdout: string; stderr: string };

export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): RunResult {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 120_000,
  });
  if (result.error) throw result.error;
  // helm logs an INFO line for the chart's monitoring/ symlink; it is expected, not noise worth keeping.
  const stderr = result.stderr
    .split("\n")
    .filter((line) => !line.includes("found symbolic link in path"))
    .join("\n")
    .trim();
  return { status: result.status ?? 1, stdout: result.stdout, stderr };
}

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: rendered Kubernetes objects are arbitrary JSON
  [key: string]: any;
};

export type RenderOptions = { valuesFile?: string; set?: string[]; showOnly?: string };

/** `helm template`; returns the status and stderr too, for the tests of `fail` checks. */
export function helmTemplate(options: RenderOptions = {}): RunResult {
  const args = ["template", RELEASE, CHART, "--namespace", NAMESPACE];
  if (options.valuesFile && options.valuesFile !== "values.yaml") args.push("-f", path.join(CHART, options.valuesFile));
  for (const s of options.set ?? []) args.push("--set", s);
  if (options.showOnly) args.push("--show-only", options.showOnly);
  return run(tool("helm"), args);
}

const renderCache = new Map<string, K8sObject[]>();
/** The rendered objects of the chart (cached per options within a test file). */
export function render(options: RenderOptions = {}): K8sObject[] {
  const key = JSON.stringify(options);
  const cached = renderCache.get(key);
  if (cached) return cached;
  const result = helmTemplate(options);
  if (result.status !== 0) throw new Error(`helm template failed (${JSON.stringify(options)}):\n${result.stderr}`);
  const objects = parseAllDocuments(result.stdout)
    .map((doc) => {
      if (doc.errors.length) throw new Error(`rendered YAML does not parse: ${doc.errors[0]?.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null && typeof o === "object");
  renderCache.set(key, objects);
  return objects;
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among: ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`);
  return found;
}

export const componentName = (component: string) => `${RELEASE}-threads-agent-${component}`;

/** Every object that runs containers, with its pod spec. */
export function workloads(objects: K8sObject[]) {
  // biome-ignore lint/suspicious/noExplicitAny: pod specs are arbitrary JSON here
  const out: { object: K8sObject; podSpec: any; isJob: boolean; isHookPod: boolean }[] = [];
  for (const o of objects) {
    if (["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"].includes(o.kind))
      out.push({ object: o, podSpec: o.spec.template.spec, isJob: false, isHookPod: false });
    else if (o.kind === "Job") out.push({ object: o, podSpec: o.spec.template.spec, isJob: true, isHookPod: false });
    else if (o.kind === "CronJob") out.push({ object: o, podSpec: o.spec.jobTemplate.spec.template.spec, isJob: true, isHookPod: false });
    else if (o.kind === "Pod")
      out.push({ object: o, podSpec: o.spec, isJob: false, isHookPod: Boolean(o.metadata.annotations?.["helm.sh/hook"]) });
  }
  return out;
}

/** The component label of an object (app.kubernetes.io/component). */
export const componentOf = (o: K8sObject) => o.metadata.labels?.["app.kubernetes.io/component"] ?? "";

export const hasCommand = (name: string) => spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;

export const exists = (...parts: string[]) => existsSync(path.join(ROOT, ...parts));
