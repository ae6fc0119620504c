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
 * They are reported, not failed, so the chart can be ahead of the code; once the service reads
 * them they are checked like any other.
 */
const PENDING: Record<string, Record<string, string>> = {
  "persona-runtime": { OPENAI_API_KEY: "issue 3 (real model providers)", ANTHROPIC_API_KEY: "issue 3 (real model providers)" },
};

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

  it("reports the contract variables it does not read yet", () => {
    const shape = shapeOf(configSchema);
    const notYet = Object.entries(PENDING[name] ?? {}).filter(([key]) => !(key in shape));
    if (notYet.length) console.info(`[consistency] ${name} does not read ${notYet.map(([k, why]) => `${k} (${why})`).join(", ")} yet`);
    expect(true).toBe(true);
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
    if (name !== "worker") return;
    const objects = render();
    const { values } = containerEnvironment(objects, find(objects, "Deployment", componentName("worker")));
    expect(values.PERSONA_RUNTIME_URL).toBe(`http://${componentName("persona-runtime")}:8081`);
    expect(values.THREADS_API_URL).toBe(`http://${componentName("fake-threads")}:9009`);
    find(objects, "Service", componentName("persona-runtime"));
    find(objects, "Service", componentName("fake-threads"));
  });
});

if (missing.length) {
  describe("services without a config.ts yet", () => {
    it.skip(`skipped: no config.ts yet for ${missing.map((s) => s.name).join(", ")} (the chart's variables for them are unchecked)`, () => {});
  });
}
