// The Helm chart: lint and render with every values file, every object valid against the Kubernetes
// schema (kubernetes-models, offline), the `fail` checks for inconsistent values, and the switches
// between built-in and external backing services.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CHART, componentName, ensureTools, find, helmTemplate, type K8sObject, render, run, tool, VALUES_FILES } from "./chart-helpers.ts";

beforeAll(() => ensureTools());

async function validateObject(o: K8sObject): Promise<void> {
  // kubernetes-models mirrors the API: kubernetes-models/<group>/<version>/<Kind> (core: v1/<Kind>).
  const module = await import(`kubernetes-models/${o.apiVersion}/${o.kind}`).catch(() => null);
  if (!module) throw new Error(`${o.kind}/${o.metadata.name}: no schema for ${o.apiVersion} ${o.kind}`);
  const Model = module[o.kind] ?? module.default;
  new Model(o).validate();
}

describe.each(VALUES_FILES)("chart with %s", (valuesFile) => {
  it("passes helm lint", () => {
    const args = ["lint", CHART, "--strict", "--namespace", "threads-agent"];
    if (valuesFile !== "values.yaml") args.push("-f", `${CHART}/${valuesFile}`);
    const result = run(tool("helm"), args);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain("0 chart(s) failed");
  });

  it("renders, and every object validates against the Kubernetes schema", async () => {
    const objects = render({ valuesFile });
    expect(objects.length).toBeGreaterThan(20);
    const problems: string[] = [];
    for (const o of objects) {
      try {
        await validateObject(o);
      } catch (err) {
        problems.push(`${o.kind}/${o.metadata.name}: ${(err as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("gives every object a unique kind/name and the common labels", () => {
    const objects = render({ valuesFile });
    const ids = objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`);
    expect(new Set(ids).size).toBe(ids.length);
    for (const o of objects) {
      // Explicit namespaces, so `helm template | kubectl apply` and Tilt put everything in place.
      expect(o.metadata.namespace, `${o.kind}/${o.metadata.name}`).toBe("threads-agent");
      expect(o.metadata.labels?.["app.kubernetes.io/name"], `${o.kind}/${o.metadata.name}`).toBe("threads-agent");
      expect(o.metadata.labels?.["app.kubernetes.io/instance"], `${o.kind}/${o.metadata.name}`).toBe("ta");
      expect(o.metadata.labels?.["app.kubernetes.io/component"], `${o.kind}/${o.metadata.name}`).toBeTruthy();
    }
  });

  it("selects pods by name/instance/component only, and every Service has endpoints to select", () => {
    const objects = render({ valuesFile });
    const podLabels = objects
      .filter((o) => ["Deployment", "StatefulSet"].includes(o.kind))
      .map((o) => {
        expect(Object.keys(o.spec.selector.matchLabels).sort()).toEqual([
          "app.kubernetes.io/component",
          "app.kubernetes.io/instance",
          "app.kubernetes.io/name",
        ]);
        return o.spec.template.metadata.labels as Record<string, string>;
      });
    for (const svc of objects.filter((o) => o.kind === "Service")) {
      const selector = svc.spec.selector as Record<string, string>;
      const matched = podLabels.some((labels) => Object.entries(selector).every(([k, v]) => labels[k] === v));
      expect(matched, `Service ${svc.metadata.name} selects no pod`).toBe(true);
    }
  });
});

describe("chart behaviour", () => {
  it("defaults: a Deployment per service, HPAs and PDBs, and the backing services built in", () => {
    const objects = render();
    for (const c of ["orchestrator", "worker", "persona-runtime", "fake-threads", "agent-launcher", "prometheus", "grafana", "jaeger"]) {
      find(objects, "Deployment", componentName(c));
    }
    find(objects, "StatefulSet", componentName("redis"));
    const pg = find(objects, "StatefulSet", componentName("postgresql"));
    expect(pg.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe("8Gi");
    for (const c of ["orchestrator", "worker", "persona-runtime"]) {
      find(objects, "PodDisruptionBudget", componentName(c));
      expect(find(objects, "HorizontalPodAutoscaler", componentName(c)).spec.minReplicas).toBe(2);
    }
  });

  it("dev and CI: one replica each, no HPA (k3d on a laptop)", () => {
    for (const valuesFile of ["values-dev.yaml", "values-ci.yaml"]) {
      const objects = render({ valuesFile });
      expect(objects.filter((o) => o.kind === "HorizontalPodAutoscaler")).toEqual([]);
      expect(find(objects, "Deployment", componentName("worker")).spec.replicas).toBe(1);
    }
  });

  it("prod: HPAs for orchestrator, worker and persona-runtime, no built-in databases, no fake-threads", () => {
    const objects = render({ valuesFile: "values-prod.yaml" });
    for (const c of ["orchestrator", "worker", "persona-runtime"]) {
      const hpa = find(objects, "HorizontalPodAutoscaler", componentName(c));
      expect(hpa.spec.scaleTargetRef.name).toBe(componentName(c));
      // replicas are left to the HPA
      expect(find(objects, "Deployment", componentName(c)).spec.replicas).toBeUndefined();
    }
    const kinds = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    for (const gone of ["postgresql", "redis", "fake-threads", "jaeger"]) {
      expect(kinds.filter((k) => k.endsWith(`-${gone}`))).toEqual([]);
    }
    // Database and Redis URLs come from the operator's Secrets.
    const worker = find(objects, "Deployment", componentName("worker")).spec.template.spec.containers[0];
    const ref = (name: string) => worker.env.find((e: { name: string }) => e.name === name)?.valueFrom?.secretKeyRef;
    expect(ref("DATABASE_URL")).toEqual({ name: "threads-agent-database", key: "DATABASE_URL" });
    expect(ref("REDIS_URL")).toEqual({ name: "threads-agent-redis", key: "REDIS_URL" });
    const cm = find(objects, "ConfigMap", componentName("worker"));
    expect(cm.data.THREADS_API_URL).toBe("https://graph.threads.net/v1.0");
    // The orchestrator checks linked tokens against the same API, and both read the token key from the operator's Secret.
    expect(find(objects, "ConfigMap", componentName("orchestrator")).data.THREADS_API_URL).toBe("https://graph.threads.net/v1.0");
    for (const c of ["orchestrator", "worker"]) {
      const env = find(objects, "Deployment", componentName(c)).spec.template.spec.containers[0].env;
      expect(env.find((e: { name: string }) => e.name === "TOKEN_ENCRYPTION_KEY")?.valueFrom?.secretKeyRef).toEqual({
        name: "threads-agent-secrets",
        key: "TOKEN_ENCRYPTION_KEY",
        optional: true,
      });
    }
    expect(cm.data.OTEL_EXPORTER_OTLP_ENDPOINT).toBe("http://otel-collector.observability.svc:4318");
  });

  it("Redis keeps an append-only file and never evicts (BullMQ)", () => {
    const cm = find(render(), "ConfigMap", componentName("redis"));
    expect(cm.data["redis.conf"]).toMatch(/^appendonly yes$/m);
    expect(cm.data["redis.conf"]).toMatch(/^appendfsync everysec$/m);
    expect(cm.data["redis.conf"]).toMatch(/^maxmemory-policy noeviction$/m);
    const sts = find(render(), "StatefulSet", componentName("redis"));
    expect(sts.spec.volumeClaimTemplates[0].metadata.name).toBe("data");
  });

  it("runs prisma migrate deploy as a hook: pre-install with an external database, post-install with the built-in one", () => {
    const external = find(render({ valuesFile: "values-prod.yaml" }), "Job", componentName("migrate"));
    expect(external.metadata.annotations?.["helm.sh/hook"]).toBe("pre-install,pre-upgrade");
    expect(external.spec.template.spec.containers[0].command).toEqual([
      "sh",
      "-c",
      "node node_modules/prisma/build/index.js migrate deploy && node seed.mjs",
    ]);
    const builtIn = find(render(), "Job", componentName("migrate"));
    // The built-in PostgreSQL does not exist before the first install; DB pods wait for the schema.
    expect(builtIn.metadata.annotations?.["helm.sh/hook"]).toBe("post-install,pre-upgrade");
    const orchestrator = find(render(), "Deployment", componentName("orchestrator"));
    expect(orchestrator.spec.template.spec.initContainers.map((c: { name: string }) => c.name)).toEqual(["wait-for-schema"]);
  });

  it("rolls pods when their configuration changes (checksum/config)", () => {
    const checksum = (objects: K8sObject[]) =>
      find(objects, "Deployment", componentName("worker")).spec.template.metadata.annotations["checksum/config"];
    const before = checksum(render());
    expect(before).toMatch(/^[a-f0-9]{64}$/);
    expect(checksum(render({ set: ["worker.concurrency=32"] }))).not.toBe(before);
    expect(checksum(render({ set: ["orchestrator.sseHeartbeatMs=1000"] }))).toBe(before);
  });

  it("holds no working secret in default values: keys are generated, model keys absent", () => {
    const objects = render();
    const app = find(objects, "Secret", "ta-threads-agent");
    expect(Object.keys(app.data).sort()).toEqual(["API_KEYS", "THREADS_ACCESS_TOKEN", "TOKEN_ENCRYPTION_KEY"]);
    expect(Buffer.from(app.data.API_KEYS, "base64").toString()).toMatch(/^[A-Za-z0-9]{40}$/);
    // fake-threads' default account and the worker share a generated token.
    expect(Buffer.from(app.data.THREADS_ACCESS_TOKEN, "base64").toString()).toMatch(/^[A-Za-z0-9]{40}$/);
    // 32 random bytes, base64: what TOKEN_ENCRYPTION_KEY must be.
    const key = Buffer.from(app.data.TOKEN_ENCRYPTION_KEY, "base64").toString();
    expect(Buffer.from(key, "base64")).toHaveLength(32);
    // generated anew per render (and kept from the live Secret on upgrade, via lookup)
    const again = find(render({ set: ["config.logLevel=info"] }), "Secret", "ta-threads-agent");
    expect(again.data.API_KEYS).not.toBe(app.data.API_KEYS);
    expect(again.data.TOKEN_ENCRYPTION_KEY).not.toBe(app.data.TOKEN_ENCRYPTION_KEY);
    // Against the real Threads the operator gives the token; none is generated.
    const real = find(
      render({ set: ["fakeThreads.enabled=false", "threadsApi.url=https://graph.threads.net/v1.0"] }),
      "Secret",
      "ta-threads-agent",
    );
    expect(Object.keys(real.data).sort()).toEqual(["API_KEYS", "TOKEN_ENCRYPTION_KEY"]);
    const pg = find(objects, "Secret", componentName("postgresql"));
    const url = Buffer.from(pg.data.DATABASE_URL, "base64").toString();
    expect(url).toMatch(/^postgresql:\/\/threads_agent:[A-Za-z0-9]{32}@ta-threads-agent-postgresql:5432\/threads_agent$/);
  });

  it("uses an existing Secret for API keys and creates none", () => {
    const objects = render({ set: ["secrets.existingSecret=my-keys"] });
    expect(objects.filter((o) => o.kind === "Secret" && o.metadata.name === "ta-threads-agent")).toEqual([]);
    const pr = find(objects, "Deployment", componentName("persona-runtime")).spec.template.spec.containers[0];
    expect(pr.env.find((e: { name: string }) => e.name === "OPENAI_API_KEY").valueFrom.secretKeyRef).toEqual({
      name: "my-keys",
      key: "OPENAI_API_KEY",
      optional: true,
    });
    expect(find(objects, "ConfigMap", componentName("agent-launcher")).data.AGENT_API_KEY_SECRET).toBe("my-keys");
  });

  it("switches tracing off when Jaeger is off and no external endpoint is set", () => {
    const objects = render({ valuesFile: "values-ci.yaml" });
    expect(find(objects, "ConfigMap", componentName("orchestrator")).data.OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(objects.some((o) => o.metadata.name.endsWith("-grafana") || o.metadata.name.endsWith("-prometheus"))).toBe(false);
  });

  it.each([
    [["postgresql.enabled=false"], /externalDatabase.existingSecret is empty/],
    [["externalDatabase.existingSecret=db"], /both postgresql.enabled and externalDatabase.existingSecret/],
    [["redis.enabled=false"], /externalRedis.existingSecret is empty/],
    [["externalRedis.existingSecret=r"], /both redis.enabled and externalRedis.existingSecret/],
    [["externalTracing.otlpEndpoint=http://otel:4318"], /both jaeger.enabled and externalTracing.otlpEndpoint/],
    [["fakeThreads.enabled=false"], /threadsApi.url is empty/],
    [["threadsApi.url=https://graph.threads.net/v1.0"], /both fakeThreads.enabled and threadsApi.url/],
    [["fakeThreads.enabled=false", "threadsApi.url=https://graph.threads.net"], /must be the API root with its version/],
    [["secrets.existingSecret=k", `secrets.tokenEncryptionKey=${"A".repeat(43)}=`], /secrets.tokenEncryptionKey would be ignored/],
    [["prometheus.enabled=false"], /Grafana would have no metrics datasource/],
    [["grafana.externalPrometheusUrl=http://prom:9090"], /both prometheus.enabled and grafana.externalPrometheusUrl/],
    [["secrets.existingSecret=k", "secrets.openaiApiKey=sk-x"], /secrets.openaiApiKey would be ignored/],
    [
      ["worker.hpa.enabled=true", "worker.hpa.minReplicas=5", "worker.hpa.maxReplicas=2"],
      /minReplicas \(5\) is greater than maxReplicas \(2\)/,
    ],
    [["orchestrator.image.tag=latest"], /latest/],
    [["redis.image.tag=latest"], /latest/],
    [["agentLauncher.backend=local"], /backend/],
    [["ship.enabled=true"], /ship.enabled needs ship.existingSecret/],
    [["runs.allowFileRepos=true"], /runs.allowFileRepos: file:\/\/ repositories work only with the agent-launcher's local backend/],
    [["agent.repoHostAllowlist={github.com}"], /agent.repoHostAllowlist moved to runs.repoHostAllowlist/],
    [["agent.namespace=agents", "secrets.openaiApiKey=sk-x"], /agent Jobs in "agents" cannot read the model keys/],
  ])("fails with a clear message for inconsistent values: %s", (set, message) => {
    const result = helmTemplate({ set });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });

  it.each(VALUES_FILES)("refuses file:// repositories with the kubernetes backend, whatever the values file (%s)", (valuesFile) => {
    const result = helmTemplate({ valuesFile, set: ["runs.allowFileRepos=true"] });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/runs.allowFileRepos/);
  });

  it.each([
    ["runs.maxVariations=51", /maxVariations/],
    ["runs.maxVariations=0", /maxVariations/],
    ["runs.repoHostAllowlist={https://github.com}", /repoHostAllowlist/],
    ["personaRuntime.openaiBaseUrl=ftp://proxy", /openaiBaseUrl/],
    ["personaRuntime.llmMaxRetries=-1", /llmMaxRetries/],
    ["personaRuntime.llmTimeoutMs=0", /llmTimeoutMs/],
    ["agent.imagePullPolicy=Sometimes", /imagePullPolicy/],
  ])("rejects a value the services would refuse at start-up: %s", (set, message) => {
    const result = helmTemplate({ set: [set] });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });

  it("rejects values the schema does not know (a typo fails instead of being ignored)", () => {
    const result = helmTemplate({ set: ["orchestrator.replica=3"] });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/additional properties 'replica' not allowed/);
  });

  it("NOTES.txt has the port-forward commands", () => {
    const result = run(tool("helm"), ["install", "ta", CHART, "--dry-run=client", "--namespace", "threads-agent"]);
    expect(result.status, result.stderr).toBe(0);
    const notes = result.stdout.slice(result.stdout.indexOf("NOTES:"));
    expect(notes).toContain("port-forward svc/ta-threads-agent-orchestrator 8080:8080");
    expect(notes).toContain("port-forward svc/ta-threads-agent-grafana 3000:3000");
    expect(notes).toContain("port-forward svc/ta-threads-agent-jaeger 16686:16686");
    expect(notes).toContain("helm test ta");
  });

  it("helm test hooks call /health of every service", () => {
    const tests = render().filter((o) => o.kind === "Pod" && o.metadata.annotations?.["helm.sh/hook"] === "test");
    expect(tests.map((o) => o.metadata.name).sort()).toEqual(
      ["agent-launcher", "fake-threads", "orchestrator", "persona-runtime", "worker"].map((c) => componentName(`test-${c}`)),
    );
    for (const pod of tests) expect(pod.spec.containers[0].args[0]).toContain('"/health"');
  });

  it("packages into a chart archive that includes the monitoring files", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ta-chart-"));
    const result = run(tool("helm"), ["package", CHART, "--destination", dir]);
    expect(result.status, result.stderr).toBe(0);
    const list = run("tar", ["tzf", path.join(dir, "threads-agent-0.1.0.tgz")]);
    rmSync(dir, { recursive: true, force: true });
    expect(list.stdout).toContain("threads-agent/monitoring/grafana/dashboards/business.json");
    expect(list.stdout).toContain("threads-agent/monitoring/prometheus/rules/threads-agent.rules.yaml");
  });
});
