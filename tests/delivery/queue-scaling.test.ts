// Scaling the worker and the agent-launcher on queue depth (values: queueScaling): off by default,
// a KEDA ScaledObject with a Prometheus trigger, or an HPA on an external metric without KEDA.
// Rendered with helm (offline); the HPA validates against the Kubernetes schema, the trigger's
// query against Prometheus's own PromQL grammar, and no Deployment ever gets two autoscalers.
import { parser } from "@prometheus-io/lezer-promql";
import { beforeAll, describe, expect, it } from "vitest";
import { componentName, ensureTools, find, helmTemplate, type K8sObject, NAMESPACE, render, VALUES_FILES } from "./chart-helpers.ts";

beforeAll(() => ensureTools());

const KEDA = ["queueScaling.enabled=true"];
const EXTERNAL = ["queueScaling.enabled=true", "queueScaling.provider=external"];
const autoscalers = (objects: K8sObject[]) => objects.filter((o) => o.kind === "ScaledObject" || o.kind === "HorizontalPodAutoscaler");
const targetOf = (o: K8sObject) => (o.spec.scaleTargetRef as { name: string }).name;

function promqlErrors(query: string): string[] {
  const errors: string[] = [];
  parser.parse(query).iterate({
    enter(node) {
      if (node.type.isError) errors.push(`at ${node.from}: ${query.slice(node.from, node.to + 10)}`);
    },
  });
  return errors;
}

describe("queue-depth scaling", () => {
  it.each(VALUES_FILES)("is off in %s: the worker keeps its CPU HPA and no ScaledObject renders", (valuesFile) => {
    const objects = render({ valuesFile });
    expect(objects.filter((o) => o.kind === "ScaledObject")).toEqual([]);
    expect(autoscalers(objects).every((o) => o.spec.metrics?.[0]?.type !== "External")).toBe(true);
  });

  it("with KEDA: a ScaledObject per component on its queue's waiting jobs, and no CPU HPA beside it", () => {
    const objects = render({ set: KEDA });
    for (const [component, queue, perReplica] of [
      ["worker", "content", "16"],
      ["agent-launcher", "agent-runs", "20"],
    ] as const) {
      const scaled = find(objects, "ScaledObject", componentName(component));
      expect(scaled.apiVersion).toBe("keda.sh/v1alpha1");
      expect(scaled.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name: componentName(component) });
      find(objects, "Deployment", componentName(component));
      const [trigger] = scaled.spec.triggers;
      expect(trigger.type).toBe("prometheus");
      expect(trigger.metadata.serverAddress).toBe(`http://${componentName("prometheus")}.${NAMESPACE}.svc:9090`);
      expect(trigger.metadata.threshold).toBe(perReplica);
      expect(trigger.metadata.query).toContain(`queue="${queue}"`);
      expect(trigger.metadata.query).toContain(`state="waiting"`);
      expect(promqlErrors(trigger.metadata.query)).toEqual([]);
      expect(scaled.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
    }
    expect(objects.filter((o) => o.kind === "HorizontalPodAutoscaler" && targetOf(o) === componentName("worker"))).toEqual([]);
  });

  it("without KEDA: an HPA on the external metric that validates against the Kubernetes schema", async () => {
    const objects = render({
      set: [...EXTERNAL, "queueScaling.worker.maxReplicas=12", "queueScaling.externalMetric.name=threads_queue_waiting"],
    });
    expect(objects.filter((o) => o.kind === "ScaledObject")).toEqual([]);
    const { HorizontalPodAutoscaler } = await import("kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler");
    for (const [component, queue] of [
      ["worker", "content"],
      ["agent-launcher", "agent-runs"],
    ] as const) {
      const hpa = find(objects, "HorizontalPodAutoscaler", componentName(component));
      new HorizontalPodAutoscaler(hpa as never).validate();
      expect(hpa.spec.metrics).toEqual([
        {
          type: "External",
          external: {
            metric: { name: "threads_queue_waiting", selector: { matchLabels: { queue, state: "waiting" } } },
            target: { type: "AverageValue", averageValue: component === "worker" ? "16" : "20" },
          },
        },
      ]);
    }
    expect(find(objects, "HorizontalPodAutoscaler", componentName("worker")).spec.maxReplicas).toBe(12);
  });

  it.each([
    ["KEDA", KEDA],
    ["external metrics", EXTERNAL],
    ["the worker only", [...KEDA, "queueScaling.agentLauncher.enabled=false"]],
  ])("never gives one Deployment two autoscalers (%s)", (_label, set) => {
    for (const valuesFile of VALUES_FILES) {
      // values-ci.yaml runs no Prometheus of its own.
      const targets = autoscalers(
        render({ valuesFile, set: [...set, "queueScaling.prometheusUrl=http://prometheus.monitoring.svc:9090"] }),
      ).map(targetOf);
      expect(new Set(targets).size, `${valuesFile}: ${targets.join(", ")}`).toBe(targets.length);
    }
  });

  it("uses a Prometheus given by URL", () => {
    const objects = render({ set: [...KEDA, "queueScaling.prometheusUrl=http://prometheus.monitoring.svc:9090"] });
    expect(find(objects, "ScaledObject", componentName("worker")).spec.triggers[0].metadata.serverAddress).toBe(
      "http://prometheus.monitoring.svc:9090",
    );
  });

  it.each([
    [["queueScaling.worker.minReplicas=30"], /queueScaling.worker: minReplicas \(30\) is above maxReplicas \(20\)/],
    [
      ["queueScaling.provider=external", "queueScaling.agentLauncher.minReplicas=0"],
      /queueScaling.agentLauncher: minReplicas 0 needs provider keda/,
    ],
    [["prometheus.enabled=false", "grafana.enabled=false"], /provider keda needs a Prometheus/],
    [["queueScaling.provider=hpa"], /queueScaling\/provider/],
    [["queueScaling.worker.waitingJobsPerReplica=0"], /waitingJobsPerReplica/],
  ])("refuses inconsistent values (%s), naming the value", (set, message) => {
    const result = helmTemplate({ set: ["queueScaling.enabled=true", ...set] });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(message);
  });
});
