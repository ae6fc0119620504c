// Policy over every rendered workload, for every values file: the restricted Pod Security profile,
// resources, probes, pinned images, secrets only by reference, NetworkPolicies, least-privilege RBAC.
// The same checks apply to the Job the agent-launcher builds, when its builder exists.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  componentName,
  componentOf,
  ensureTools,
  find,
  type K8sObject,
  type RenderOptions,
  ROOT,
  render,
  VALUES_FILES,
  workloads,
} from "./chart-helpers.ts";

beforeAll(() => ensureTools());

// biome-ignore lint/suspicious/noExplicitAny: container specs are arbitrary JSON here
type Container = any;

/** Names that hold credentials: such variables must come from a Secret, never a literal or a ConfigMap. */
const SECRET_NAME = /(KEY|KEYS|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?)$|^(DATABASE_URL|REDIS_URL)$/;

/** Variables that carry *names* of Secrets (comma lists; the launcher references them from agent Jobs). */
const SECRET_REFERENCES = new Set(["AGENT_API_KEY_SECRET", "AGENT_IMAGE_PULL_SECRETS", "AGENT_SHIP_SECRET"]);

/** Problems of one container under the restricted profile; `where` names it in messages. */
function containerProblems(c: Container, podSpec: Container, where: string, opts: { probes: boolean }): string[] {
  const p: string[] = [];
  const sc = c.securityContext ?? {};
  const psc = podSpec.securityContext ?? {};
  if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory) p.push(`${where}: cpu and memory requests`);
  if (!c.resources?.limits?.cpu || !c.resources?.limits?.memory) p.push(`${where}: cpu and memory limits`);
  if (opts.probes && (!c.readinessProbe || !c.livenessProbe)) p.push(`${where}: readiness and liveness probes`);
  if ((sc.runAsNonRoot ?? psc.runAsNonRoot) !== true) p.push(`${where}: runAsNonRoot`);
  const uid = sc.runAsUser ?? psc.runAsUser;
  if (uid === 0) p.push(`${where}: runs as uid 0`);
  if (sc.readOnlyRootFilesystem !== true) p.push(`${where}: readOnlyRootFilesystem`);
  if (sc.allowPrivilegeEscalation !== false) p.push(`${where}: allowPrivilegeEscalation false`);
  if (sc.privileged === true) p.push(`${where}: privileged`);
  if (!(sc.capabilities?.drop ?? []).includes("ALL")) p.push(`${where}: capabilities drop ALL`);
  if ((sc.capabilities?.add ?? []).length) p.push(`${where}: adds capabilities`);
  if ((sc.seccompProfile?.type ?? psc.seccompProfile?.type) !== "RuntimeDefault") p.push(`${where}: seccomp RuntimeDefault`);
  const image: string = c.image ?? "";
  const tag = image.includes("@") ? "digest" : image.slice(image.lastIndexOf("/") + 1).split(":")[1];
  if (!tag) p.push(`${where}: image ${image} has no tag`);
  if (tag === "latest") p.push(`${where}: image ${image} uses :latest`);
  for (const e of c.env ?? []) {
    if (SECRET_NAME.test(e.name) && e.value !== undefined) p.push(`${where}: ${e.name} is a literal value, not a secretKeyRef`);
  }
  return p;
}

function podProblems(podSpec: Container, where: string, opts: { probes: boolean }): string[] {
  const p: string[] = [];
  if (podSpec.hostNetwork || podSpec.hostPID || podSpec.hostIPC) p.push(`${where}: host namespaces`);
  for (const v of podSpec.volumes ?? []) if (v.hostPath) p.push(`${where}: hostPath volume ${v.name}`);
  for (const c of podSpec.initContainers ?? []) p.push(...containerProblems(c, podSpec, `${where} init ${c.name}`, { probes: false }));
  for (const c of podSpec.containers ?? []) p.push(...containerProblems(c, podSpec, `${where} ${c.name}`, opts));
  return p;
}

describe.each(VALUES_FILES)("policy with %s", (valuesFile) => {
  const objects = () => render({ valuesFile });

  it("every workload: requests/limits, probes (Jobs and test pods excepted), restricted security context, pinned images", () => {
    const problems: string[] = [];
    const found = workloads(objects());
    expect(found.length).toBeGreaterThan(5);
    for (const { object, podSpec, isJob, isHookPod } of found) {
      problems.push(...podProblems(podSpec, `${object.kind}/${object.metadata.name}`, { probes: !isJob && !isHookPod }));
    }
    expect(problems).toEqual([]);
  });

  it("only the agent-launcher and Prometheus get a service-account token", () => {
    const withToken = workloads(objects())
      .filter(({ podSpec }) => podSpec.automountServiceAccountToken !== false)
      .map(({ object }) => componentOf(object))
      .sort();
    expect(withToken).toEqual(valuesFile === "values-ci.yaml" ? ["agent-launcher"] : ["agent-launcher", "prometheus"]);
    for (const sa of objects().filter((o) => o.kind === "ServiceAccount"))
      expect(sa.automountServiceAccountToken, sa.metadata.name).toBe(false);
  });

  it("no plaintext secrets: credentials only in Secrets, referenced by secretKeyRef; ConfigMaps hold none", () => {
    const problems: string[] = [];
    for (const cm of objects().filter((o) => o.kind === "ConfigMap")) {
      for (const [key, value] of Object.entries<string>(cm.data ?? {})) {
        if (SECRET_REFERENCES.has(key)) {
          // Names of Secrets, not their content: each must look like a Kubernetes name.
          if (!value.split(",").every((name) => /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name) || (name === "" && value === "")))
            problems.push(`ConfigMap ${cm.metadata.name} ${key} is not a list of Secret names`);
        } else if (SECRET_NAME.test(key)) problems.push(`ConfigMap ${cm.metadata.name} has ${key}`);
        if (/(postgres(ql)?|rediss?):\/\/[^/\s]*:[^@/\s]+@/.test(value))
          problems.push(`ConfigMap ${cm.metadata.name} ${key} has a URL with a password`);
        if (/\bsk-[A-Za-z0-9_-]{10,}/.test(value)) problems.push(`ConfigMap ${cm.metadata.name} ${key} has what looks like an API key`);
      }
    }
    for (const s of objects().filter((o) => o.kind === "Secret")) {
      expect(s.stringData, `Secret ${s.metadata.name} uses stringData`).toBeUndefined();
      for (const [key, value] of Object.entries<string>(s.data ?? {})) {
        const plain = Buffer.from(value, "base64").toString();
        // Known weak values: the chart never ships a password a user could forget to change.
        if (SECRET_NAME.test(key) && /^(password|admin|changeme|secret|test|dev|postgres|redis)$/i.test(plain))
          problems.push(`Secret ${s.metadata.name} ${key} is a well-known value`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("NetworkPolicies: default deny for every pod of the release, and one policy per component", () => {
    const policies = objects().filter((o) => o.kind === "NetworkPolicy");
    const deny = find(objects(), "NetworkPolicy", componentName("default-deny"));
    expect(deny.spec.podSelector).toEqual({ matchLabels: { "app.kubernetes.io/name": "threads-agent" } });
    expect(deny.spec.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(deny.spec.ingress).toBeUndefined();
    expect(deny.spec.egress).toBeUndefined();
    // Every workload's pods are selected by a policy of their own component.
    const covered = new Set(policies.map((p) => p.spec.podSelector.matchLabels?.["app.kubernetes.io/component"]).filter(Boolean));
    for (const { object } of workloads(objects())) {
      expect(covered.has(componentOf(object)), `no NetworkPolicy for component ${componentOf(object)}`).toBe(true);
    }
    // Agent Job pods: no ingress, and egress never into private ranges (the cluster included).
    const agent = find(objects(), "NetworkPolicy", componentName("agent"));
    expect(agent.spec.ingress).toEqual([]);
    const publicRule = agent.spec.egress.find((r: Container) => r.to?.[0]?.ipBlock);
    expect(publicRule.to[0].ipBlock.except).toEqual(
      expect.arrayContaining(["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16"]),
    );
  });

  it("the launcher's Role grants exactly jobs create/get/list/watch/delete, pods get/list/watch, pods/log get", () => {
    const role = find(objects(), "Role", componentName("agent-launcher"));
    const grants = role.rules.flatMap((r: Container) =>
      r.resources.flatMap((res: string) => r.verbs.map((v: string) => `${r.apiGroups.join(",") || "core"}/${res}:${v}`)),
    );
    expect(grants.sort()).toEqual(
      [
        "batch/jobs:create",
        "batch/jobs:get",
        "batch/jobs:list",
        "batch/jobs:watch",
        "batch/jobs:delete",
        "core/pods:get",
        "core/pods:list",
        "core/pods:watch",
        "core/pods/log:get",
      ].sort(),
    );
    for (const r of role.rules) {
      expect(r.verbs).not.toContain("*");
      expect(r.resources).not.toContain("*");
      expect(r.resourceNames).toBeUndefined();
    }
    const binding = find(objects(), "RoleBinding", componentName("agent-launcher"));
    expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: componentName("agent-launcher"), namespace: "threads-agent" }]);
    // Nothing cluster-wide anywhere in the chart.
    expect(objects().filter((o) => o.kind === "ClusterRole" || o.kind === "ClusterRoleBinding")).toEqual([]);
  });
});

// ---------------------------------------------------------------- the agent Job the launcher builds
// The launcher's pure Job builder must produce a Job that passes the same policy, is selected by the
// chart's agent NetworkPolicy and reads its keys from the chart's Secret. It is found by its export
// name in services/agent-launcher/src; until it exists the test says so.
const launcherSrc = path.join(ROOT, "services", "agent-launcher", "src");
function findJobBuilder(): { file: string; exportName: string } | null {
  if (!existsSync(launcherSrc)) return null;
  const files = readdirSync(launcherSrc, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"));
  for (const f of files) {
    const text = readFileSync(path.join(launcherSrc, f), "utf8");
    const m = text.match(/export function (buildAgentJob|buildVariationJob|buildJob)\b/);
    if (m?.[1]) return { file: path.join(launcherSrc, f), exportName: m[1] };
  }
  return null;
}
const builder = findJobBuilder();
const NO_BUILDER = "skipped: services/agent-launcher/src exports no buildAgentJob/buildVariationJob/buildJob yet";

const SPEC = {
  runId: "0190c0de-0000-7000-8000-000000000001",
  index: 2,
  repoUrl: "https://github.com/octocat/Hello-World.git",
  prompt: "Summarise the repository; $(OPENAI_API_KEY)",
  model: null,
  temperature: 0.7,
};

/**
 * The Job the launcher would create with this render: its ConfigMap parsed by the launcher's own
 * configSchema, mapped to the builder's settings as services/agent-launcher/src/backends/create-backend.ts does.
 */
async function agentJobFor(objects: K8sObject[], spec = SPEC) {
  const { configSchema } = await import(path.join(launcherSrc, "config.ts"));
  const configMap = objects.find((o) => o.kind === "ConfigMap" && componentOf(o) === "agent-launcher")!;
  const config = configSchema.parse(Object.fromEntries(Object.entries<string>(configMap.data).filter(([, v]) => v !== "")));
  const { jobSettings } = await import(path.join(launcherSrc, "backends", "create-backend.ts"));
  const settings = jobSettings(config, config.AGENT_NAMESPACE);
  const mod = await import(builder!.file);
  return { job: (await mod[builder!.exportName](spec, settings)) as K8sObject, settings };
}

const agentPolicyOf = (objects: K8sObject[]) => objects.find((o) => o.kind === "NetworkPolicy" && componentOf(o) === "agent")!;

describe("the agent Job built by the agent-launcher", () => {
  it.skipIf(!builder)(
    builder ? `passes the workload policy (${path.relative(ROOT, builder.file)})` : `passes the workload policy — ${NO_BUILDER}`,
    async () => {
      // Settings exactly as the chart hands them to the launcher (its ConfigMap), for every values file.
      for (const valuesFile of VALUES_FILES) {
        const objects = render({ valuesFile });
        const { job, settings } = await agentJobFor(objects);
        const where = `agent Job (${valuesFile})`;
        const podSpec = job.spec.template.spec;
        expect(podProblems(podSpec, where, { probes: false })).toEqual([]);
        expect(job.spec.backoffLimit).toBe(0);
        expect(podSpec.restartPolicy).toBe("Never");
        expect(job.spec.activeDeadlineSeconds).toBe(settings.activeDeadlineSeconds);
        expect(job.spec.ttlSecondsAfterFinished).toBe(settings.ttlSecondsAfterFinished);
        expect(podSpec.automountServiceAccountToken).toBe(false);
        expect(job.metadata.namespace).toBe(settings.namespace);
        expect(podSpec.containers[0].image).toBe(settings.image);
        // The image (deploy/Dockerfile, target agent) writes only to /workspace (AGENT_WORKDIR) and
        // /tmp (HOME): both are size-limited emptyDirs, everything else is read-only.
        const container = podSpec.containers[0];
        const envValue = (n: string) => container.env.find((e: Container) => e.name === n)?.value;
        const mounts = new Map(container.volumeMounts.map((m: Container) => [m.mountPath, m.name]));
        for (const dir of [envValue("AGENT_WORKDIR") ?? "/workspace", envValue("HOME") ?? "/tmp"]) {
          const volume = podSpec.volumes.find((v: Container) => v.name === mounts.get(dir));
          expect(volume?.emptyDir?.sizeLimit, `${where}: ${dir} is a size-limited emptyDir`).toBeTruthy();
        }
        expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
        expect(podSpec.securityContext.runAsUser ?? container.securityContext.runAsUser).toBe(1000);
        // And the Job is a valid Kubernetes object.
        const { Job } = await import("kubernetes-models/batch/v1/Job");
        new Job(job as never).validate();
      }
    },
  );

  it.skipIf(!builder)(
    builder
      ? "is selected by the agent NetworkPolicy, whose selector is exactly the labels the builder sets (nameOverride and fullnameOverride too)"
      : `is selected by the agent NetworkPolicy — ${NO_BUILDER}`,
    async () => {
      const cases: RenderOptions[] = [
        ...VALUES_FILES.map((valuesFile) => ({ valuesFile })),
        { set: ["nameOverride=content-agents"] },
        { set: ["fullnameOverride=platform"] },
        { valuesFile: "values-prod.yaml", set: ["nameOverride=ta2", "fullnameOverride=ta2"] },
      ];
      for (const options of cases) {
        const where = JSON.stringify(options);
        const objects = render(options);
        const policy = agentPolicyOf(objects);
        expect(policy, where).toBeDefined();
        const { job } = await agentJobFor(objects);
        const { job: other } = await agentJobFor(objects, { ...SPEC, runId: "0190c0de-0000-7000-8000-0000000000ff", index: 0 });
        const podLabels = job.spec.template.metadata.labels as Record<string, string>;
        // What every agent pod carries, whatever its run and variation.
        const fixed = Object.fromEntries(Object.entries(podLabels).filter(([k, v]) => other.spec.template.metadata.labels[k] === v));
        expect(policy.spec.podSelector, where).toEqual({ matchLabels: fixed });
        expect(podLabels, where).toMatchObject(policy.spec.podSelector.matchLabels);
        // The policy is in the Jobs' namespace and isolates them on its own (no ingress, egress listed).
        expect(policy.metadata.namespace, where).toBe(job.metadata.namespace);
        expect(policy.spec.policyTypes, where).toEqual(["Ingress", "Egress"]);
        expect(policy.spec.ingress, where).toEqual([]);
      }
    },
  );

  it.skipIf(!builder)(
    builder
      ? "gets the release as instance, the global pull secrets and persona-runtime's model API roots from the chart"
      : `gets the release, pull secrets and base URLs from the chart — ${NO_BUILDER}`,
    async () => {
      const objects = render({
        set: [
          "global.imagePullSecrets[0].name=registry-creds",
          "personaRuntime.openaiBaseUrl=https://llm-gateway.example:8443/v1",
          "personaRuntime.anthropicBaseUrl=https://llm-gateway.example/anthropic",
        ],
      });
      const { job } = await agentJobFor(objects);
      const podSpec = job.spec.template.spec;
      const env = Object.fromEntries(podSpec.containers[0].env.map((e: Container) => [e.name, e.value]));
      const release = find(objects, "ConfigMap", componentName("agent-launcher")).metadata.labels?.["app.kubernetes.io/instance"];
      expect(release).toBeTruthy();
      expect(job.metadata.labels?.["app.kubernetes.io/instance"]).toBe(release);
      expect(podSpec.imagePullSecrets).toEqual([{ name: "registry-creds" }]);
      expect([env.OPENAI_BASE_URL, env.ANTHROPIC_BASE_URL]).toEqual([
        "https://llm-gateway.example:8443/v1",
        "https://llm-gateway.example/anthropic",
      ]);
      expect([env.AGENT_CLONE_TIMEOUT_SECONDS, env.AGENT_CLONE_MAX_MB]).toEqual(["120", "200"]);
      // The gateway's own port is open to the agent pods too.
      expect(agentPolicyOf(objects).spec.egress).toContainEqual({ ports: [{ protocol: "TCP", port: 8443 }] });
      // Without pull secrets the pod spec has none.
      expect((await agentJobFor(render())).job.spec.template.spec.imagePullSecrets).toBeUndefined();
    },
  );

  it.skipIf(!builder)(
    builder
      ? "reads its provider keys from the chart's Secret, by reference only"
      : `reads its provider keys from the chart's Secret — ${NO_BUILDER}`,
    async () => {
      const keys = ["secrets.openaiApiKey=sk-test-openai-0123456789", "secrets.anthropicApiKey=sk-ant-test-0123456789"];
      for (const [options, secretName] of [
        [{ set: keys }, "ta-threads-agent"],
        [{ set: [...keys, "fullnameOverride=platform"] }, "platform"],
        [{ valuesFile: "values-prod.yaml" }, "threads-agent-secrets"],
        [{ set: ["secrets.existingSecret=model-keys"] }, "model-keys"],
      ] as const) {
        const where = JSON.stringify(options);
        const objects = render(options as RenderOptions);
        const { job } = await agentJobFor(objects);
        const env = job.spec.template.spec.containers[0].env as Container[];
        const refs = env.filter((e) => /API_KEY$/.test(e.name));
        expect(refs.map((e) => e.name).sort(), where).toEqual(["ANTHROPIC_API_KEY", "OPENAI_API_KEY"]);
        for (const e of refs) {
          expect(e.value, `${where}: ${e.name} is a literal`).toBeUndefined();
          expect(e.valueFrom.secretKeyRef, where).toMatchObject({ name: secretName, key: e.name });
        }
        // The same Secret persona-runtime reads its keys from...
        const pr = objects.find((o) => o.kind === "Deployment" && componentOf(o) === "persona-runtime")!;
        const prRef = pr.spec.template.spec.containers[0].env.find((e: Container) => e.name === "OPENAI_API_KEY").valueFrom.secretKeyRef;
        expect(prRef.name, where).toBe(secretName);
        // ...and, when the chart creates it, it is in the Jobs' namespace and holds those keys.
        const secret = objects.find((o) => o.kind === "Secret" && o.metadata.name === secretName);
        if (secret) {
          expect(secret.metadata.namespace, where).toBe(job.metadata.namespace);
          for (const e of refs) expect(Object.keys(secret.data), where).toContain(e.name);
        }
      }
      // No Secret-name variables but the ones the launcher reads (the key Secret, the image pull Secrets, the push Secret when shipping).
      const { configSchema } = await import(path.join(launcherSrc, "config.ts"));
      const launcherKeys = Object.keys(configSchema.shape ?? configSchema.in?.shape ?? configSchema._def?.schema?.shape ?? {});
      const data = find(render(), "ConfigMap", componentName("agent-launcher")).data as Record<string, string>;
      const secretNameVars = Object.keys(data).filter((k) => /SECRET/.test(k));
      expect(secretNameVars.sort()).toEqual(["AGENT_API_KEY_SECRET", "AGENT_IMAGE_PULL_SECRETS"]);
      expect(launcherKeys).toEqual(expect.arrayContaining(secretNameVars));
      const shipping = find(
        render({ set: ["ship.enabled=true", "ship.existingSecret=push-creds"] }),
        "ConfigMap",
        componentName("agent-launcher"),
      ).data as Record<string, string>;
      expect(
        Object.keys(shipping)
          .filter((k) => /SECRET/.test(k))
          .sort(),
      ).toEqual(["AGENT_API_KEY_SECRET", "AGENT_IMAGE_PULL_SECRETS", "AGENT_SHIP_SECRET"]);
      expect(launcherKeys).toContain("AGENT_SHIP_SECRET");
    },
  );

  it.skipIf(!builder)(
    builder
      ? "runs verification inside the variation's Job with the chart's settings, and scratch sizes from values"
      : `runs verification inside the variation's Job — ${NO_BUILDER}`,
    async () => {
      const envOf = (job: K8sObject) =>
        Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: Container) => [e.name, e.value]));
      const defaults = (await agentJobFor(render())).job;
      expect([envOf(defaults).AGENT_VERIFY, envOf(defaults).AGENT_CHECK_TIMEOUT_SECONDS]).toEqual(["true", "300"]);
      const { job } = await agentJobFor(
        render({
          set: [
            "agent.verification.checkTimeoutSeconds=900",
            "agent.verification.checkCommand=make ci $(OPENAI_API_KEY)",
            "agent.scratch.workspace=8Gi",
            "agent.scratch.tmp=2Gi",
            "agent.resources.limits.cpu=4",
            "agent.resources.limits.memory=8Gi",
          ],
        }),
      );
      const podSpec = job.spec.template.spec;
      expect(envOf(job).AGENT_CHECK_TIMEOUT_SECONDS).toBe("900");
      expect(envOf(job).AGENT_CHECK_COMMAND).toBe("make ci $$(OPENAI_API_KEY)");
      expect(envOf(defaults).AGENT_CHECK_COMMAND).toBeUndefined();
      expect(podSpec.volumes.map((v: Container) => [v.name, v.emptyDir.sizeLimit])).toEqual([
        ["workspace", "8Gi"],
        ["tmp", "2Gi"],
      ]);
      expect(podSpec.containers[0].resources.limits).toEqual({ cpu: "4", memory: "8Gi" });
      // Still the restricted pod: the checks run with exactly the agent's rights.
      expect(podProblems(podSpec, "agent Job with bigger test resources", { probes: false })).toEqual([]);
      const off = (await agentJobFor(render({ set: ["agent.verification.enabled=false"] }))).job;
      expect(envOf(off).AGENT_VERIFY).toBe("false");
      // Values the schema refuses never reach a Job.
      expect(() => render({ set: ["agent.scratch.workspace=lots"] })).toThrow(/scratch|workspace|pattern/);
      expect(() => render({ set: ["agent.verification.checkTimeoutSeconds=0"] })).toThrow(/checkTimeoutSeconds|minimum/);
    },
  );

  it.skipIf(!builder)(
    builder
      ? "builds ship Jobs (pushing a winner) under the same policy and NetworkPolicy, with the push Secret by reference only"
      : `builds ship Jobs under the same policy — ${NO_BUILDER}`,
    async () => {
      const objects = render({ set: ["ship.enabled=true", "ship.existingSecret=push-creds", "ship.authorName=Release Bot"] });
      const ship = {
        ...SPEC,
        ship: { id: "0190c0de-0000-7000-8000-0000000005e1", branch: "agent/fix", patch: "--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n" },
      };
      const { job } = await agentJobFor(objects, ship as typeof SPEC);
      const podSpec = job.spec.template.spec;
      expect(podProblems(podSpec, "ship Job", { probes: false })).toEqual([]);
      const env = podSpec.containers[0].env as Container[];
      const refs = env.filter((e) => e.valueFrom).map((e) => [e.name, e.valueFrom.secretKeyRef.name]);
      expect(refs).toEqual([
        ["SHIP_TOKEN", "push-creds"],
        ["SHIP_SSH_KEY", "push-creds"],
      ]);
      expect(Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value]))).toMatchObject({
        AGENT_MODE: "ship",
        SHIP_BRANCH: "agent/fix",
        SHIP_AUTHOR_NAME: "Release Bot",
      });
      const policy = agentPolicyOf(objects);
      expect(job.spec.template.metadata.labels).toMatchObject(policy.spec.podSelector.matchLabels);
      const { Job } = await import("kubernetes-models/batch/v1/Job");
      new Job(job as never).validate();
      // The orchestrator accepts push requests only when the chart enables shipping.
      expect(find(objects, "ConfigMap", componentName("orchestrator")).data).toMatchObject({
        SHIP_ENABLED: "true",
        SHIP_WAIT_SECONDS: "60",
      });
      expect(find(render(), "ConfigMap", componentName("orchestrator")).data.SHIP_ENABLED).toBe("false");
    },
  );
});
