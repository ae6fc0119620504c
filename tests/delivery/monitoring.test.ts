// monitoring/: the Prometheus alert rules (promtool unit tests), the Prometheus configuration the
// chart renders (promtool check config), and the Grafana dashboards (valid JSON, unique uids, every
// query parses as PromQL, every metric is one a service exports or a standard one, and every label
// it filters or groups by is one that metric carries).
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parser } from "@prometheus-io/lezer-promql";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { componentName, ensureTools, find, hasCommand, ROOT, render } from "./chart-helpers.ts";

beforeAll(() => ensureTools());

const MONITORING = path.join(ROOT, "monitoring");
const DASHBOARDS = path.join(MONITORING, "grafana", "dashboards");
const RULES = path.join(MONITORING, "prometheus", "rules");
const promtool = hasCommand("promtool");
const NO_PROMTOOL = "skipped: promtool is not installed (Debian: apt-get install prometheus, or scripts/tools.sh --promtool)";

// biome-ignore lint/suspicious/noExplicitAny: dashboards are arbitrary JSON
type Json = any;

function dashboards(): { file: string; json: Json }[] {
  return readdirSync(DASHBOARDS)
    .filter((f) => f.endsWith(".json"))
    .map((file) => ({ file, json: JSON.parse(readFileSync(path.join(DASHBOARDS, file), "utf8")) }));
}

function panelsOf(d: Json): Json[] {
  return (d.panels ?? []).flatMap((p: Json) => [p, ...(p.panels ?? [])]);
}

/** PromQL syntax check with Prometheus's own Lezer grammar; returns the error positions. */
function promqlErrors(expr: string): string[] {
  // Grafana variables are not PromQL: substitute plausible values first.
  const query = expr.replaceAll("$namespace", "threads-agent").replaceAll("$__rate_interval", "5m");
  const errors: string[] = [];
  parser.parse(query).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`at ${node.from}: ${JSON.stringify(query.slice(Math.max(0, node.from - 10), node.to + 10))}`);
    },
  });
  return errors;
}

const base = (m: string) => m.replace(/_(bucket|sum|count)$/, "");

/** Metric names used by a PromQL expression (identifiers followed by a selector or range, not functions). */
function metricNames(expr: string): string[] {
  const names = new Set<string>();
  const query = expr.replaceAll("$namespace", "threads-agent");
  const tree = parser.parse(query);
  tree.iterate({
    enter(node) {
      if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector") names.add(query.slice(node.from, node.to));
    },
  });
  return [...names];
}

const STRING = String.raw`"(?:[^"\\]|\\.)*"`;
/** The quoted strings of an array literal's source (`["a", "b"] as const` -> a, b). */
const stringsOf = (list: string | undefined) => [...(list ?? "").matchAll(/"([^"]*)"/g)].map((m) => m[1]!);

/**
 * Every metric a service or package registers, with its label names, read from the source:
 * `metrics.counter("name", "help", ["label", ...])` (also gauge/histogram/summary) and prom-client's
 * `{ name: "name", ..., labelNames: [...] }`.
 */
let exportedCache: Map<string, Set<string>> | undefined;
function exportedMetrics(): Map<string, Set<string>> {
  if (exportedCache) return exportedCache;
  const metrics = new Map<string, Set<string>>();
  const add = (name: string, labels: string[]) => metrics.set(name, new Set([...(metrics.get(name) ?? []), ...labels]));
  const roots = ["services", "packages"].map((d) => path.join(ROOT, d));
  const helper = new RegExp(
    String.raw`(?:counter|gauge|histogram|summary)\(\s*"([a-z_:][a-z0-9_:]*)"\s*,\s*${STRING}\s*(?:,\s*\[([^\]]*)\])?`,
    "g",
  );
  for (const root of roots) {
    for (const entry of readdirSync(root, { recursive: true, encoding: "utf8" })) {
      if (!entry.endsWith(".ts") || entry.includes("node_modules") || entry.endsWith(".test.ts")) continue;
      const text = readFileSync(path.join(root, entry), "utf8");
      for (const m of text.matchAll(helper)) add(m[1]!, stringsOf(m[2]));
      for (const m of text.matchAll(/name:\s*"([a-z_:][a-z0-9_:]*_(?:total|seconds|bytes|usd|count))"([^}]*)/g)) {
        add(m[1]!, stringsOf(m[2]!.match(/labelNames:\s*\[([^\]]*)\]/)?.[1]));
      }
    }
  }
  exportedCache = metrics;
  return metrics;
}
const exportedMetricNames = () => new Set(exportedMetrics().keys());

/** Metrics the dashboards and rules may use without a service defining them. */
const STANDARD = /^(up|scrape_\w+|process_\w+|nodejs_\w+)$/;
/**
 * Labels every scraped series has besides its own: `service` (the services' default label) and
 * what the chart's scrape config adds (monitoring/prometheus/scrape-configs.yaml); `le` on buckets.
 */
const TARGET_LABELS = new Set(["job", "instance", "service", "component", "instance_name", "namespace", "pod", "le"]);
/**
 * Metrics a dashboard may show ahead of the service that will export them, with the reason;
 * reported until then. An entry whose metric is exported fails the test below: remove it, so the
 * metric is checked like the rest. Empty now: every dashboard uses exported names.
 */
const PENDING: Record<string, string> = {};

/** Label names an expression uses: in selectors (per metric) and in `by (...)` groupings. */
function labelUses(expr: string): { matchers: [metric: string, label: string][]; grouping: string[]; metrics: string[] } {
  const query = expr.replaceAll("$namespace", "threads-agent").replaceAll("$__rate_interval", "5m");
  const matchers: [string, string][] = [];
  const grouping: string[] = [];
  const metrics: string[] = [];
  parser.parse(query).iterate({
    enter(node) {
      if (node.name === "VectorSelector") {
        const id = node.node.getChild("Identifier");
        const metric = id ? query.slice(id.from, id.to) : "";
        if (metric) metrics.push(metric);
        const list = node.node.getChild("LabelMatchers");
        for (const m of list?.getChildren("UnquotedLabelMatcher") ?? []) {
          const label = m.getChild("LabelName");
          if (label && metric) matchers.push([metric, query.slice(label.from, label.to)]);
        }
      }
      if (node.name === "GroupingLabels") {
        for (const label of node.node.getChildren("LabelName")) grouping.push(query.slice(label.from, label.to));
      }
    },
  });
  return { matchers, grouping, metrics };
}

describe("Prometheus rules", () => {
  it.skipIf(!promtool)(promtool ? "pass promtool check rules" : `pass promtool check rules — ${NO_PROMTOOL}`, () => {
    const files = readdirSync(RULES).map((f) => path.join(RULES, f));
    const result = spawnSync("promtool", ["check", "rules", ...files], { encoding: "utf8" });
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it.skipIf(!promtool)(promtool ? "pass their promtool unit tests" : `pass their promtool unit tests — ${NO_PROMTOOL}`, () => {
    const dir = path.join(MONITORING, "prometheus", "tests");
    const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
    expect(files.length).toBeGreaterThan(0);
    const result = spawnSync("promtool", ["test", "rules", ...files], { cwd: dir, encoding: "utf8" });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("SUCCESS");
  });

  it("every rule expression parses as PromQL, every alert has a severity and a summary", () => {
    for (const file of readdirSync(RULES)) {
      const doc = parseYaml(readFileSync(path.join(RULES, file), "utf8"));
      for (const group of doc.groups) {
        for (const rule of group.rules) {
          expect(promqlErrors(rule.expr), `${file} ${rule.alert ?? rule.record}`).toEqual([]);
          if (rule.alert) {
            expect(rule.labels?.severity, rule.alert).toMatch(/^(critical|warning|info)$/);
            expect(rule.annotations?.summary, rule.alert).toBeTruthy();
          }
        }
      }
    }
  });
});

describe("the Prometheus configuration the chart renders", () => {
  it.skipIf(!promtool)(promtool ? "passes promtool check config" : `passes promtool check config — ${NO_PROMTOOL}`, () => {
    const objects = render();
    const config = find(objects, "ConfigMap", componentName("prometheus")).data["prometheus.yml"] as string;
    const rules = find(objects, "ConfigMap", componentName("prometheus-rules")).data as Record<string, string>;
    const dir = mkdtempSync(path.join(tmpdir(), "prom-config-"));
    mkdirSync(path.join(dir, "rules"));
    for (const [name, text] of Object.entries(rules)) writeFileSync(path.join(dir, "rules", name), text);
    // Debian's promtool is built without Kubernetes service discovery ("field kubernetes_sd_configs
    // not found"): the discovery block is swapped for a static target so the rest (globals,
    // relabelling, rule files) is still checked. The discovery block itself is checked below.
    const parsed = parseYaml(config.replace("/etc/prometheus/rules/", `${dir}/rules/`));
    for (const job of parsed.scrape_configs) {
      if (job.kubernetes_sd_configs) {
        delete job.kubernetes_sd_configs;
        job.static_configs = [{ targets: ["127.0.0.1:9100"] }];
      }
    }
    writeFileSync(path.join(dir, "prometheus.yml"), JSON.stringify(parsed));
    const result = spawnSync("promtool", ["check", "config", path.join(dir, "prometheus.yml")], { encoding: "utf8" });
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });

  it("scrapes every annotated pod of its own namespace and loads every rule file", () => {
    const objects = render();
    const config = parseYaml(find(objects, "ConfigMap", componentName("prometheus")).data["prometheus.yml"]);
    const job = config.scrape_configs.find((j: Json) => j.job_name === "threads-agent");
    expect(job.kubernetes_sd_configs[0]).toEqual({ role: "pod", namespaces: { own_namespace: true } });
    const rules = find(objects, "ConfigMap", componentName("prometheus-rules")).data;
    expect(Object.keys(rules).sort()).toEqual(readdirSync(RULES).sort());
    // Every threads-agent service pod asks to be scraped.
    for (const c of ["orchestrator", "worker", "persona-runtime", "fake-threads", "agent-launcher"]) {
      const annotations = find(objects, "Deployment", componentName(c)).spec.template.metadata.annotations;
      expect(annotations["prometheus.io/scrape"], c).toBe("true");
    }
  });
});

describe("Grafana dashboards", () => {
  it("cover business KPIs, technical, infrastructure and agent runs, with unique uids", () => {
    const all = dashboards();
    expect(all.map((d) => d.file).sort()).toEqual(["agent-runs.json", "business.json", "infrastructure.json", "technical.json"]);
    const uids = all.map((d) => d.json.uid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const { file, json } of all) {
      expect(json.title, file).toMatch(/^threads-agent \/ /);
      expect(json.uid.length, file).toBeLessThanOrEqual(40);
      const ids = panelsOf(json).map((p: Json) => p.id);
      expect(new Set(ids).size, `${file}: panel ids unique`).toBe(ids.length);
    }
  });

  it("use the provisioned datasources and only valid PromQL", () => {
    const objects = render();
    const datasources = parseYaml(find(objects, "ConfigMap", componentName("grafana")).data["datasources.yaml"]);
    const uids = new Set(datasources.datasources.map((d: Json) => d.uid));
    for (const { file, json } of dashboards()) {
      for (const panel of panelsOf(json)) {
        if (panel.type === "row") continue;
        expect(uids.has(panel.datasource.uid), `${file} "${panel.title}" datasource`).toBe(true);
        expect(panel.targets.length, `${file} "${panel.title}"`).toBeGreaterThan(0);
        for (const t of panel.targets) expect(promqlErrors(t.expr), `${file} "${panel.title}": ${t.expr}`).toEqual([]);
      }
    }
  });

  it("query only metrics a service exports (or standard process/runtime metrics)", () => {
    const exported = exportedMetricNames();
    const used = new Map<string, string>();
    for (const { file, json } of dashboards()) {
      for (const panel of panelsOf(json)) for (const t of panel.targets ?? []) for (const m of metricNames(t.expr)) used.set(m, file);
    }
    for (const file of readdirSync(RULES)) {
      const doc = parseYaml(readFileSync(path.join(RULES, file), "utf8"));
      const recorded = new Set(doc.groups.flatMap((g: Json) => g.rules.map((r: Json) => r.record)).filter(Boolean));
      for (const g of doc.groups) for (const r of g.rules) for (const m of metricNames(r.expr)) if (!recorded.has(m)) used.set(m, file);
    }
    // Series the recording rules write are known too (dashboards show openai_cost_hourly_dollars, say).
    const recordedNames = new Set(
      readdirSync(RULES).flatMap((file) =>
        parseYaml(readFileSync(path.join(RULES, file), "utf8")).groups.flatMap((g: Json) => g.rules.map((r: Json) => r.record)),
      ),
    );
    const unknown = [...used.keys()].filter(
      (m) => !STANDARD.test(m) && !exported.has(m) && !exported.has(base(m)) && !recordedNames.has(m) && !(base(m) in PENDING),
    );
    expect(unknown.map((m) => `${m} (${used.get(m)})`)).toEqual([]);
    const pending = [...used.keys()].filter((m) => !exported.has(base(m)) && base(m) in PENDING);
    if (pending.length)
      console.info(`[monitoring] not exported yet: ${[...new Set(pending.map(base))].map((m) => `${m} — ${PENDING[m]}`).join("; ")}`);
  });

  it("keep no pending entry for a metric a service now exports", () => {
    const exported = exportedMetricNames();
    // The names the services export that the old dashboards were waiting for under other names.
    for (const m of ["llm_tokens_total", "agent_log_lines_total", "agent_variations_finished_total", "agent_runs_finished_total"])
      expect(exported.has(m), m).toBe(true);
    expect(Object.keys(PENDING).filter((m) => exported.has(m))).toEqual([]);
  });

  it("filter and group only by labels the metrics carry (their own, or the scrape's target labels)", () => {
    const exported = exportedMetrics();
    const problems: string[] = [];
    const check = (where: string, expr: string, recorded: Map<string, Set<string>>) => {
      const { matchers, grouping, metrics } = labelUses(expr);
      const labelsOf = (m: string) => exported.get(m) ?? exported.get(base(m)) ?? recorded.get(m);
      for (const [metric, label] of matchers) {
        const own = labelsOf(metric);
        if (own && !own.has(label) && !TARGET_LABELS.has(label)) problems.push(`${where}: ${metric} has no label "${label}"`);
      }
      const known = metrics.map(labelsOf);
      if (known.some((l) => l === undefined)) return; // a standard or pending metric: labels unknown
      // label_replace(v, "dst", ...) writes a label of its own.
      // (its last four arguments: dst, replacement, src, regex).
      const replaced = [...expr.matchAll(/,\s*"([a-zA-Z_]\w*)"\s*,\s*"[^"]*"\s*,\s*"\w*"\s*,\s*"[^"]*"\s*\)/g)].map((m) => m[1]!);
      const all = new Set([...known.flatMap((l) => [...l!]), ...replaced]);
      for (const label of grouping)
        if (!all.has(label) && !TARGET_LABELS.has(label)) problems.push(`${where}: no metric in it has "${label}"`);
    };
    // Recording rules: their output carries the labels they group by.
    const recorded = new Map<string, Set<string>>();
    for (const file of readdirSync(RULES)) {
      const doc = parseYaml(readFileSync(path.join(RULES, file), "utf8"));
      for (const g of doc.groups)
        for (const r of g.rules) {
          check(`${file} ${r.alert ?? r.record}`, r.expr, recorded);
          if (r.record) recorded.set(r.record, new Set(labelUses(r.expr).grouping));
        }
    }
    for (const { file, json } of dashboards())
      for (const panel of panelsOf(json)) for (const t of panel.targets ?? []) check(`${file} "${panel.title}"`, t.expr, recorded);
    expect(problems).toEqual([]);
  });

  it("are provisioned by the chart from monitoring/ unchanged", () => {
    const cm = find(render(), "ConfigMap", componentName("grafana-dashboards"));
    for (const { file } of dashboards()) expect(cm.data[file]).toBe(readFileSync(path.join(DASHBOARDS, file), "utf8"));
  });
});
