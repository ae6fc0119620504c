// The chart and the services agree: every environment variable the chart gives a service is a key
// of that service's `configSchema` (services/<name>/src/config.ts) and parses with it, the whole
// environment the chart builds is a valid configuration, and the ports the chart wires (container
// port, probes, Service, Prometheus annotation) are the port the service listens on by default.
// A renamed variable or a metrics port nobody serves fails here.
import { existsSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { componentName, ensureTools, find, type K8sObject, ROOT, render, VALUES_FILES } from "./chart-helpers.ts";

beforeAll(() => ensureTools());

type Service = { name: string; portVariable: "PORT" | "METRICS_PORT"; portName: "http" | "metrics"; servicePort?: boolean };
const SERVICES: Service[] = [
  { name: "orchestrator", portVariable: "PORT", portName: "http", servicePort: true },
  { name: "worker", portVariable: "METRICS_PORT", portName: "metrics", servicePort: true },
  { name: "persona-runtime", portVariable: "PORT", portName: "http", servicePort: true },
  { name: "fake-threads", portVariable: "PORT", portName: "http", servicePort: true },
  { name: "agent-launcher", portVariable: "METRICS_PORT", portName: "metrics", servicePort: true },
];

/**
 * Variables in the chart's contract that a service does not read yet, with the issue that adds them.
 * They are reported, not failed, so the chart can be ahead of the code. An entry the service reads
 * fails "keeps no pending entry ..." below: remove it, so the variable is checked like any other.
 * Empty now: every service reads everything the chart sets.
 */
const PENDING: Record<string, Record<string, string>> = {};

/** What the test uses of a zod schema (the tests package does not depend on zod itself). */
type ParseResult = { success: boolean; error?: { issues: { message: string }[] } };
type Field = { safeParse(value: unknown): ParseResult; parse(value: unknown): unknown };
type ConfigSchema = Field & { shape?: Record<string, Field> };

const configPath = (name: string) => path.join(ROOT, "services", name, "src", "config.ts");

// biome-ignore lint/suspicious/noExplicitAny: zod object shapes are read generically
function shapeOf(schema: any): Record<string, Field> {
  // z.object(...) (refinements included, zod 4) exposes .shape; a pipe/transform wraps it in .in.
  return schema.shape ?? schema.in?.shape ?? schema._def?.schema?.shape ?? {};
}

/** The environment a container gets: envFrom ConfigMaps, then env (secrets decoded from the rendered Secrets). */
function containerEnvironment(objects: K8sObject[], deployment: K8sObject) {
  const container = deployment.spec.template.spec.containers[0];
  const values: Record<string, string | undefined> = {};
  const fromSecret = new Set<string>();
  for (const source of container.envFrom ?? []) {
    if (source.configMapRef) Object.assign(values, find(objects, "ConfigMap", source.configMapRef.name).data);
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) values[e.name] = String(e.value);
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) {
      fromSecret.add(e.name);
      const secret = objects.find((o) => o.kind === "Secret" && o.metadata.name === ref.name);
      const encoded = secret?.data?.[ref.key];
      // An existingSecret the chart does not render, or an optional key left out: unknown value.
      values[e.name] = encoded === undefined ? undefined : Buffer.from(encoded, "base64").toString();
    }
  }
  return { container, values, fromSecret };
}

const present = SERVICES.filter((s) => existsSync(configPath(s.name)));
const missing = SERVICES.filter((s) => !existsSync(configPath(s.name)));

describe.each(present.map((s) => [s.name, s] as const))("%s: chart and config.ts agree", (name, service) => {
  let configSchema: ConfigSchema;
  beforeAll(async () => {
    configSchema = (await import(configPath(name))).configSchema;
    expect(configSchema, `services/${name}/src/config.ts exports configSchema`).toBeDefined();
  });

  it.each(VALUES_FILES)("every variable the chart sets is read by the service and parses (%s)", (valuesFile) => {
    const objects = render({ valuesFile });
    const deployment = objects.find((o) => o.kind === "Deployment" && o.metadata.name === componentName(name));
    if (!deployment) {
      expect(name, `${name} is switched off only where that is allowed`).toBe("fake-threads");
      return;
    }
    const shape = shapeOf(configSchema);
    const { values } = containerEnvironment(objects, deployment);
    const pending = PENDING[name] ?? {};
    const unknown = Object.keys(values).filter((key) => !(key in shape) && !(key in pending));
    expect(unknown, `variables the chart sets that services/${name}/src/config.ts does not read`).toEqual([]);
    for (const [key, value] of Object.entries(values)) {
      const field = shape[key];
      if (!field || value === undefined) continue;
      const parsed = field.safeParse(value);
      expect(parsed.success, `${key}=${JSON.stringify(value)}: ${parsed.error?.issues.map((i) => i.message).join("; ")}`).toBe(true);
    }
    // The complete environment (unknown secret values stand in as absent) is a valid configuration.
    const known = Object.fromEntries(Object.entries(values).filter(([k, v]) => v !== undefined && k in shape));
    const whole = configSchema.safeParse(known);
    expect(whole.success, JSON.stringify(whole.error?.issues)).toBe(true);
  });

  it("keeps no pending entry for a variable the service reads (and reports the rest)", () => {
    const shape = shapeOf(configSchema);
    const pending = Object.entries(PENDING[name] ?? {});
    expect(
      pending.filter(([key]) => key in shape).map(([key]) => key),
      `services/${name} reads these now: remove them from PENDING`,
    ).toEqual([]);
    if (pending.length) console.info(`[consistency] ${name} does not read ${pending.map(([k, why]) => `${k} (${why})`).join(", ")} yet`);
  });

  it("listens where the chart sends traffic: container port, probes, Service, Prometheus annotation", () => {
    const objects = render();
    const deployment = find(objects, "Deployment", componentName(name));
    const { container, values } = containerEnvironment(objects, deployment);
    const shape = shapeOf(configSchema);
    expect(shape[service.portVariable], `services/${name} reads ${service.portVariable}`).toBeDefined();
    const codeDefault = shape[service.portVariable]!.parse(undefined);
    const chartPort = Number(values[service.portVariable]);
    // The chart's default is the service's own default, so a local run and the cluster agree.
    expect(chartPort).toBe(codeDefault);
    const port = container.ports.find((p: { name: string }) => p.name === service.portName);
    expect(port?.containerPort).toBe(chartPort);
    for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
      expect(container[probe].httpGet.port, probe).toBe(service.portName);
    }
    expect(container.livenessProbe.httpGet.path).toBe("/health");
    expect(container.readinessProbe.httpGet.path).toBe("/ready");
    const annotations = deployment.spec.template.metadata.annotations;
    expect(annotations["prometheus.io/port"]).toBe(String(chartPort));
    expect(annotations["prometheus.io/path"]).toBe("/metrics");
    if (service.servicePort) {
      const svc = find(objects, "Service", componentName(name));
      expect(svc.spec.ports[0].targetPort).toBe(service.portName);
    }
    // Binds to every interface in a pod (probes and other pods reach it).
    if ("HOST" in shape) expect(values.HOST).toBe("0.0.0.0");
  });

  it("URLs the chart wires between services point at their Services and ports", () => {
    if (name !== "worker" && name !== "orchestrator") return;
    const objects = render();
    const { values } = containerEnvironment(objects, find(objects, "Deployment", componentName(name)));
    if (name === "worker") expect(values.PERSONA_RUNTIME_URL).toBe(`http://${componentName("persona-runtime")}:8081`);
    // fake-threads' Graph API, under its version like graph.threads.net/v1.0.
    expect(values.THREADS_API_URL).toBe(`http://${componentName("fake-threads")}:9009/v1.0`);
    find(objects, "Service", componentName("persona-runtime"));
    find(objects, "Service", componentName("fake-threads"));
  });
});

// ---------------------------------------------------------------- settings the features added
const configSchemaOf = async (name: string): Promise<ConfigSchema> => (await import(configPath(name))).configSchema;
const envOf = (objects: K8sObject[], name: string) => containerEnvironment(objects, find(objects, "Deployment", componentName(name)));
const configMapOf = (objects: K8sObject[], name: string) => find(objects, "ConfigMap", componentName(name)).data as Record<string, string>;

describe("persona-runtime: models, providers and LLM tuning", () => {
  const LLM_VALUES: Record<string, [variable: string, sample: string]> = {
    hookModel: ["HOOK_MODEL", "openai/gpt-4o-mini"],
    bodyModel: ["BODY_MODEL", "anthropic/claude-haiku-4-5"],
    hookFallbackModel: ["HOOK_FALLBACK_MODEL", "anthropic/claude-haiku-4-5"],
    bodyFallbackModel: ["BODY_FALLBACK_MODEL", "none"],
    moderationModel: ["MODERATION_MODEL", "omni-moderation-latest"],
    openaiBaseUrl: ["OPENAI_BASE_URL", "http://llm-gateway.ai.svc:4000/v1"],
    anthropicBaseUrl: ["ANTHROPIC_BASE_URL", "https://anthropic-proxy.example.com:8443"],
    llmTimeoutMs: ["LLM_TIMEOUT_MS", "30000"],
    llmMaxRetries: ["LLM_MAX_RETRIES", "0"],
    llmRetryBaseDelayMs: ["LLM_RETRY_BASE_DELAY_MS", "250"],
  };

  it.each(VALUES_FILES)("sets none of them by default, so the service's own defaults apply (%s)", (valuesFile) => {
    const data = configMapOf(render({ valuesFile }), "persona-runtime");
    for (const [variable] of Object.values(LLM_VALUES)) expect(data[variable], variable).toBeUndefined();
  });

  it("passes each value to its variable, and the service accepts the result", async () => {
    const configSchema = await configSchemaOf("persona-runtime");
    const shape = shapeOf(configSchema);
    const set = Object.entries(LLM_VALUES).map(([key, [, sample]]) => `personaRuntime.${key}=${sample}`);
    const objects = render({
      set: [...set, "secrets.openaiApiKey=sk-test-openai-0123456789", "secrets.anthropicApiKey=sk-ant-test-0123456789"],
    });
    const data = configMapOf(objects, "persona-runtime");
    for (const [variable, sample] of Object.values(LLM_VALUES)) {
      expect(variable in shape, `services/persona-runtime reads ${variable}`).toBe(true);
      expect(data[variable], variable).toBe(sample);
    }
    const { values } = envOf(objects, "persona-runtime");
    const whole = configSchema.safeParse(Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)));
    expect(whole.success, JSON.stringify(whole.error?.issues)).toBe(true);
    // A gateway on another port is reachable: its port is in the NetworkPolicy (443 already is).
    const policy = find(objects, "NetworkPolicy", componentName("persona-runtime"));
    const ports = policy.spec.egress.flatMap((r: { ports?: { port: number }[] }) => (r.ports ?? []).map((p) => p.port));
    expect(ports).toEqual(expect.arrayContaining([443, 4000, 8443]));
  });

  it("gets the provider keys only from the chart's Secret (or secrets.existingSecret), never from its ConfigMap", () => {
    for (const [set, secret] of [
      [["secrets.openaiApiKey=sk-test-openai-0123456789", "secrets.anthropicApiKey=sk-ant-test-0123456789"], "ta-threads-agent"],
      [["secrets.existingSecret=model-keys"], "model-keys"],
    ] as const) {
      const objects = render({ set: [...set] });
      const { container, fromSecret } = envOf(objects, "persona-runtime");
      for (const key of ["OPENAI_API_KEY", "ANTHROPIC_API_KEY"]) {
        expect(fromSecret.has(key), key).toBe(true);
        const ref = container.env.find((e: { name: string }) => e.name === key).valueFrom.secretKeyRef;
        expect(ref, key).toEqual({ name: secret, key, optional: true });
        expect(configMapOf(objects, "persona-runtime")[key], key).toBeUndefined();
      }
      if (secret === "ta-threads-agent") {
        const data = find(objects, "Secret", secret).data;
        expect(Buffer.from(data.OPENAI_API_KEY, "base64").toString()).toBe("sk-test-openai-0123456789");
      }
    }
  });
});

describe("agent runs: one policy for the orchestrator and the agent-launcher", () => {
  const SHARED = ["RUN_MAX_VARIATIONS", "REPO_HOST_ALLOWLIST", "ALLOW_FILE_REPOS"];

  it.each(VALUES_FILES)("both get the same RUN_MAX_VARIATIONS, REPO_HOST_ALLOWLIST and ALLOW_FILE_REPOS=false (%s)", (valuesFile) => {
    const objects = render({ valuesFile });
    const orchestrator = envOf(objects, "orchestrator").values;
    const launcher = envOf(objects, "agent-launcher").values;
    for (const key of SHARED) expect(launcher[key], key).toBe(orchestrator[key]);
    expect(orchestrator.ALLOW_FILE_REPOS).toBe("false");
    expect(orchestrator.RUN_MAX_VARIATIONS).toBeDefined();
  });

  it("one values key each reaches both services, and both parse it the same way", async () => {
    const objects = render({ set: ["runs.maxVariations=4", "runs.repoHostAllowlist={git.example.com,*.example.org}"] });
    const parsed = await Promise.all(
      ["orchestrator", "agent-launcher"].map(async (name) => {
        const shape = shapeOf(await configSchemaOf(name));
        const { values } = envOf(objects, name);
        return SHARED.map((key) => shape[key]!.parse(values[key]));
      }),
    );
    expect(parsed[0]).toEqual([4, ["git.example.com", "*.example.org"], []]); // ALLOW_FILE_REPOS "false": no directories
    expect(parsed[1]).toEqual(parsed[0]);
  });

  it("an empty allowlist leaves both services on their shared default", async () => {
    const objects = render();
    for (const name of ["orchestrator", "agent-launcher"]) {
      expect(envOf(objects, name).values.REPO_HOST_ALLOWLIST, name).toBeUndefined();
      const { DEFAULT_REPO_HOSTS } = await import(path.join(ROOT, "packages", "contracts", "src", "index.ts"));
      expect(shapeOf(await configSchemaOf(name)).REPO_HOST_ALLOWLIST!.parse(undefined)).toEqual(DEFAULT_REPO_HOSTS);
    }
  });

  it("the launcher gets HOST, its pull policy, RUN_CONCURRENCY and EVENT_RETENTION_SECONDS from values", () => {
    const data = configMapOf(
      render({ set: ["agent.imagePullPolicy=Always", "agentLauncher.runConcurrency=7", "orchestrator.eventRetentionSeconds=3600"] }),
      "agent-launcher",
    );
    expect(data).toMatchObject({
      HOST: "0.0.0.0",
      AGENT_IMAGE_PULL_POLICY: "Always",
      RUN_CONCURRENCY: "7",
      EVENT_RETENTION_SECONDS: "3600",
    });
    // Without its own pull policy the agent image follows global.imagePullPolicy.
    expect(configMapOf(render({ valuesFile: "values-dev.yaml" }), "agent-launcher").AGENT_IMAGE_PULL_POLICY).toBe("Always");
  });
});

it("every service the chart deploys has a config schema to check its variables against", () => {
  expect(missing.map((s) => s.name)).toEqual([]);
});
