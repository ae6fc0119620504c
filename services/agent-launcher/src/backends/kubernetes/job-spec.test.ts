import type { V1Job } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import type { VariationSpec } from "../backend.ts";
import { buildAgentJob, type JobSettings, jobName, literalEnv, managedSelector, runSelector } from "./job-spec.ts";

const RUN = "01a1f000-0000-7000-8000-00000000abcd";
const settings: JobSettings = {
  namespace: "agents",
  instance: "ta-prod",
  image: "registry.example/threads-agent/agent:1.2.3",
  imagePullPolicy: "IfNotPresent",
  imagePullSecrets: [],
  resources: { cpuRequest: "250m", cpuLimit: "1", memoryRequest: "256Mi", memoryLimit: "1Gi" },
  activeDeadlineSeconds: 900,
  ttlSecondsAfterFinished: 3600,
  apiKeySecret: "threads-agent-secrets",
  repoHostAllowlist: ["github.com", "gitlab.com"],
  openaiBaseUrl: null,
  anthropicBaseUrl: null,
  clone: { timeoutSeconds: 120, maxMb: 200 },
};
const spec: VariationSpec = {
  runId: RUN,
  index: 2,
  repoUrl: "https://github.com/acme/widgets",
  prompt: "add docs",
  model: "openai/gpt-4o-mini",
  temperature: 0.6,
};

const build = (s: Partial<VariationSpec> = {}, o: Partial<JobSettings> = {}) => buildAgentJob({ ...spec, ...s }, { ...settings, ...o });
const pod = (job: V1Job) => job.spec?.template.spec;
const container = (job: V1Job) => pod(job)?.containers[0];
const envOf = (job: V1Job) => Object.fromEntries((container(job)?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));

describe("buildAgentJob", () => {
  it.each<[string, (job: V1Job) => unknown, unknown]>([
    ["name derived from run and index", (j) => j.metadata?.name, `agent-${RUN}-2`],
    ["namespace", (j) => j.metadata?.namespace, "agents"],
    [
      "labels on the Job",
      (j) => j.metadata?.labels,
      {
        "app.kubernetes.io/name": "threads-agent",
        "app.kubernetes.io/component": "agent",
        "app.kubernetes.io/part-of": "threads-agent",
        "app.kubernetes.io/managed-by": "agent-launcher",
        "app.kubernetes.io/instance": "ta-prod",
        "threads-agent.dev/run-id": RUN,
        "threads-agent.dev/variation": "2",
      },
    ],
    [
      "the same labels on the pod (NetworkPolicy and watches select on them)",
      (j) => j.spec?.template.metadata?.labels,
      build().metadata?.labels,
    ],
    ["one attempt", (j) => j.spec?.backoffLimit, 0],
    ["deadline", (j) => j.spec?.activeDeadlineSeconds, 900],
    ["TTL after finishing", (j) => j.spec?.ttlSecondsAfterFinished, 3600],
    ["never restarted", (j) => pod(j)?.restartPolicy, "Never"],
    ["no service-account token", (j) => pod(j)?.automountServiceAccountToken, false],
    ["no service links", (j) => pod(j)?.enableServiceLinks, false],
    [
      "pod security context",
      (j) => pod(j)?.securityContext,
      { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
    ],
    [
      "container security context",
      (j) => container(j)?.securityContext,
      {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        privileged: false,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      },
    ],
    ["resources", (j) => container(j)?.resources, { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } }],
    [
      "image and pull policy",
      (j) => [container(j)?.image, container(j)?.imagePullPolicy],
      ["registry.example/threads-agent/agent:1.2.3", "IfNotPresent"],
    ],
    [
      "no command or args: the image's entrypoint, nothing from the request",
      (j) => [container(j)?.command, container(j)?.args],
      [undefined, undefined],
    ],
    ["writable scratch only where mounted", (j) => container(j)?.volumeMounts?.map((m) => m.mountPath), ["/workspace", "/tmp"]],
    ["bounded scratch volumes", (j) => pod(j)?.volumes?.map((v) => v.emptyDir?.sizeLimit), ["2Gi", "256Mi"]],
    [
      "settings as env",
      (j) => envOf(j),
      expect.objectContaining({
        RUN_ID: RUN,
        VARIATION: "2",
        REPO_URL: "https://github.com/acme/widgets",
        AGENT_PROMPT: "add docs",
        AGENT_MODEL: "openai/gpt-4o-mini",
        AGENT_TEMPERATURE: "0.6",
        REPO_HOST_ALLOWLIST: "github.com,gitlab.com",
        ALLOW_FILE_REPOS: "false",
        AGENT_CLONE_TIMEOUT_SECONDS: "120",
        AGENT_CLONE_MAX_MB: "200",
      }),
    ],
    ["no base URLs configured: the providers' own", (j) => [envOf(j).OPENAI_BASE_URL, envOf(j).ANTHROPIC_BASE_URL], [undefined, undefined]],
    ["no pull secrets configured: no imagePullSecrets", (j) => pod(j)?.imagePullSecrets, undefined],
    [
      "API keys only by Secret reference, optional, and last",
      (j) => container(j)?.env?.slice(-2),
      [
        { name: "OPENAI_API_KEY", valueFrom: { secretKeyRef: { name: "threads-agent-secrets", key: "OPENAI_API_KEY", optional: true } } },
        {
          name: "ANTHROPIC_API_KEY",
          valueFrom: { secretKeyRef: { name: "threads-agent-secrets", key: "ANTHROPIC_API_KEY", optional: true } },
        },
      ],
    ],
  ])("%s", (_name, pick, expected) => {
    expect(pick(build())).toEqual(expected);
  });

  it.each<[string, Partial<VariationSpec>, Partial<JobSettings>, (job: V1Job) => unknown, unknown]>([
    [
      "no Secret configured: no key variables at all",
      {},
      { apiKeySecret: null },
      (j) => Object.keys(envOf(j)).filter((k) => k.endsWith("_API_KEY")),
      [],
    ],
    ["no model: the agent picks", { model: null }, {}, (j) => envOf(j).AGENT_MODEL, undefined],
    ["index 0 is a valid name", { index: 0 }, {}, (j) => j.metadata?.name, `agent-${RUN}-0`],
    [
      "the instance labels Job and pod (another release's launcher does not select them)",
      {},
      { instance: "staging" },
      (j) => [j.metadata?.labels?.["app.kubernetes.io/instance"], j.spec?.template.metadata?.labels?.["app.kubernetes.io/instance"]],
      ["staging", "staging"],
    ],
    [
      "image pull secrets by name",
      {},
      { imagePullSecrets: ["registry-creds", "mirror-creds"] },
      (j) => pod(j)?.imagePullSecrets,
      [{ name: "registry-creds" }, { name: "mirror-creds" }],
    ],
    [
      "model API base URLs as plain env values",
      {},
      { openaiBaseUrl: "https://llm-gateway.example/openai/v1", anthropicBaseUrl: "https://llm-gateway.example:8443/anthropic" },
      (j) => [envOf(j).OPENAI_BASE_URL, envOf(j).ANTHROPIC_BASE_URL],
      ["https://llm-gateway.example/openai/v1", "https://llm-gateway.example:8443/anthropic"],
    ],
    [
      "a $ in a base URL is escaped like every other value",
      {},
      { openaiBaseUrl: "https://gw.example/$(OPENAI_API_KEY)/v1" },
      (j) => envOf(j).OPENAI_BASE_URL,
      "https://gw.example/$$(OPENAI_API_KEY)/v1",
    ],
    [
      "clone limits",
      {},
      { clone: { timeoutSeconds: 30, maxMb: 50 } },
      (j) => [envOf(j).AGENT_CLONE_TIMEOUT_SECONDS, envOf(j).AGENT_CLONE_MAX_MB],
      ["30", "50"],
    ],
    [
      "keys stay last after the optional settings",
      {},
      { openaiBaseUrl: "https://gw.example/v1", anthropicBaseUrl: "https://gw.example" },
      (j) =>
        container(j)
          ?.env?.slice(-2)
          .map((e) => e.name),
      ["OPENAI_API_KEY", "ANTHROPIC_API_KEY"],
    ],
  ])("%s", (_name, s, o, pick, expected) => {
    expect(pick(build(s, o))).toEqual(expected);
  });

  describe("no injection through any field", () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal ${HOME} is part of the attack
    const hostile = 'x"; rm -rf / #\n$(OPENAI_API_KEY) `id` ${HOME} $$(RUN_ID)\n---\nkind: Pod';

    it("a hostile prompt or URL stays one literal env value: Kubernetes' $(VAR) expansion is escaped", () => {
      const job = build({ prompt: hostile, repoUrl: `https://github.com/acme/$(OPENAI_API_KEY)` });
      const env = envOf(job);
      expect(env.AGENT_PROMPT).toBe(literalEnv(hostile));
      expect(env.AGENT_PROMPT).toContain("$$(OPENAI_API_KEY)");
      expect(env.AGENT_PROMPT).not.toMatch(/(^|[^$])\$\(OPENAI_API_KEY\)/);
      expect(env.REPO_URL).toBe("https://github.com/acme/$$(OPENAI_API_KEY)");
      // Nothing else in the Job moved: same shape as with a harmless prompt.
      const plain = build();
      const strip = (j: V1Job) =>
        JSON.stringify({ ...j, spec: { ...j.spec, template: { ...j.spec?.template, spec: { ...pod(j), containers: [] } } } });
      expect(strip(job)).toBe(strip(plain));
      expect(container(job)?.command).toBeUndefined();
      expect(container(job)?.args).toBeUndefined();
      expect(Object.values(job.metadata?.labels ?? {}).join()).not.toContain("rm -rf");
    });

    it("the escape is what Kubernetes undoes: $$ becomes $", () => {
      // Kubernetes' expansion turns "$$" into "$" and leaves everything else literal, so this round-trips.
      const expand = (value: string) => value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m) => (m === "$$" ? "$" : "<expanded>"));
      expect(expand(literalEnv(hostile))).toBe(hostile);
    });

    it.each<[string, Partial<VariationSpec>]>([
      ["a run id that is not a UUID (would change the Job name and labels)", { runId: "x; kubectl delete" }],
      ["a negative or fractional index", { index: -1 }],
      ["a fractional index", { index: 1.5 }],
      ["a model with shell or env syntax", { model: "$(OPENAI_API_KEY)" }],
      ["a model with spaces", { model: "gpt 4" }],
      ["a temperature out of range", { temperature: 7 }],
      ["a temperature that is not a number", { temperature: Number.NaN }],
    ])("refuses %s", (_name, s) => {
      expect(() => build(s)).toThrow();
    });
  });

  it.each<[string, string, string]>([
    [
      "every Job/pod of the instance (watches, resume)",
      managedSelector("ta-prod"),
      "app.kubernetes.io/managed-by=agent-launcher,app.kubernetes.io/component=agent,app.kubernetes.io/instance=ta-prod",
    ],
    [
      "one run's Jobs of the instance (cancel)",
      runSelector("ta-prod", RUN),
      `app.kubernetes.io/managed-by=agent-launcher,app.kubernetes.io/component=agent,app.kubernetes.io/instance=ta-prod,threads-agent.dev/run-id=${RUN}`,
    ],
  ])("selector: %s", (_name, selector, expected) => {
    expect(selector).toBe(expected);
    // Whatever a selector asks for, the builder's Job carries.
    const labels = build().metadata?.labels ?? {};
    for (const term of selector.split(",").filter((t) => !t.includes("run-id"))) {
      const [k, v] = term.split("=") as [string, string];
      expect(labels[k]).toBe(v);
    }
  });

  describe("a ship Job (pushing the run's winner)", () => {
    const SHIP = "01a1f000-0000-7000-8000-0000000051a9";
    const shipSettings: Partial<JobSettings> = {
      ship: { secret: "threads-agent-push", username: "x-access-token", authorName: "Bot", authorEmail: "bot@example.com" },
      verification: { enabled: true, checkTimeoutSeconds: 120 },
    };
    const ship = build({ ship: { id: SHIP, branch: "agent/fix-$(HOME)", patch: "--- a/x\n+++ b/x\n" } }, shipSettings);

    it.each<[string, (job: V1Job) => unknown, unknown]>([
      ["its own name per push", (j) => j.metadata?.name, `ship-${SHIP}`],
      [
        "the agent labels (same NetworkPolicy) plus the ship id",
        (j) => j.metadata?.labels,
        { ...build().metadata?.labels, "threads-agent.dev/ship-id": SHIP },
      ],
      [
        "the same restricted pod",
        (j) => [pod(j)?.securityContext, container(j)?.securityContext],
        [pod(build())?.securityContext, container(build())?.securityContext],
      ],
      [
        "ship mode with branch and patch as escaped env values",
        (j) => [envOf(j).AGENT_MODE, envOf(j).SHIP_BRANCH, envOf(j).SHIP_PATCH, envOf(j).SHIP_AUTHOR_NAME],
        ["ship", "agent/fix-$$(HOME)", "--- a/x\n+++ b/x\n", "Bot"],
      ],
      [
        "the push credential only by Secret reference, and no model keys",
        (j) =>
          (container(j)?.env ?? [])
            .filter((e) => e.valueFrom)
            .map((e) => [e.name, e.valueFrom?.secretKeyRef?.name, e.valueFrom?.secretKeyRef?.optional]),
        [
          ["SHIP_TOKEN", "threads-agent-push", true],
          ["SHIP_SSH_KEY", "threads-agent-push", true],
        ],
      ],
    ])("%s", (_name, pick, expected) => {
      expect(pick(ship)).toEqual(expected);
    });

    it("a variation never gets the push credential, and gets the verification settings", () => {
      const variation = build({}, shipSettings);
      expect(Object.keys(envOf(variation)).filter((k) => k.startsWith("SHIP_") || k === "AGENT_MODE")).toEqual([]);
      expect([envOf(variation).AGENT_VERIFY, envOf(variation).AGENT_CHECK_TIMEOUT_SECONDS]).toEqual(["true", "120"]);
    });

    it("the run's check command, escaped, before the deployment's; a ship Job gets neither", () => {
      const withSetting = { verification: { enabled: true, checkTimeoutSeconds: 120, checkCommand: "make ci" } };
      expect(envOf(build({ checkCommand: "npm test -- $(OPENAI_API_KEY)" }, withSetting)).AGENT_CHECK_COMMAND).toBe(
        "npm test -- $$(OPENAI_API_KEY)",
      );
      expect(envOf(build({}, withSetting)).AGENT_CHECK_COMMAND).toBe("make ci");
      expect(envOf(build({ checkCommand: "pytest -q" })).AGENT_CHECK_COMMAND).toBe("pytest -q");
      expect(envOf(build()).AGENT_CHECK_COMMAND).toBeUndefined();
      expect(
        envOf(build({ checkCommand: "x", ship: { id: SHIP, branch: "b", patch: "p" } }, withSetting)).AGENT_CHECK_COMMAND,
      ).toBeUndefined();
    });

    it("a ship name is a DNS-1123 label within 63 characters", () => {
      expect(jobName(RUN, 0, SHIP)).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(jobName(RUN, 0, SHIP).length).toBeLessThanOrEqual(63);
      expect(() => jobName(RUN, 0, "not-a-uuid")).toThrow();
    });
  });

  it("jobName is a DNS-1123 label within 63 characters", () => {
    const name = jobName(RUN, 49);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });
});
