import type { V1Job, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { exitedOutcome, workloadState } from "./workload-state.ts";

const settings = { activeDeadlineSeconds: 600, memoryLimit: "512Mi" };
const job = (conditions: { type: string; status: string; reason?: string; message?: string }[] = []): V1Job =>
  ({ status: { conditions } }) as V1Job;
const pod = (state: object, extra: Partial<NonNullable<V1Pod["status"]>> = {}): V1Pod =>
  ({ metadata: { name: "p" }, status: { phase: "Running", containerStatuses: [{ name: "agent", state }], ...extra } }) as V1Pod;

describe("workloadState", () => {
  it.each<[string, V1Job | undefined, V1Pod | undefined, object]>([
    ["no pod yet", job(), undefined, { phase: "pending" }],
    [
      "unschedulable says why",
      job(),
      {
        status: { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", message: "0/3 nodes: insufficient memory" }] },
      } as V1Pod,
      { phase: "pending", detail: "0/3 nodes: insufficient memory" },
    ],
    ["running", job(), pod({ running: {} }), { phase: "running" }],
    [
      "exited, waiting for the Job's verdict",
      job(),
      pod({ terminated: { exitCode: 2, reason: "Error" } }),
      { phase: "exited", exitCode: 2, reason: "Error" },
    ],
    ["complete", job([{ type: "Complete", status: "True" }]), pod({ terminated: { exitCode: 0 } }), { phase: "succeeded" }],
    [
      "non-zero exit",
      job([{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }]),
      pod({ terminated: { exitCode: 3, reason: "Error" } }),
      { phase: "failed", kind: "exit", reason: "the agent exited with code 3", exitCode: 3, deleteJob: false },
    ],
    [
      "OOMKilled",
      job([{ type: "Failed", status: "True", reason: "BackoffLimitExceeded" }]),
      pod({ terminated: { exitCode: 137, reason: "OOMKilled" } }),
      {
        phase: "failed",
        kind: "platform",
        reason: "out of memory: the agent went over its 512Mi limit and was killed (raise AGENT_MEMORY_LIMIT)",
        exitCode: 137,
        deleteJob: false,
      },
    ],
    [
      "deadline wins over the SIGTERM exit it caused",
      job([{ type: "Failed", status: "True", reason: "DeadlineExceeded" }]),
      pod({ terminated: { exitCode: 143, reason: "Error" } }),
      {
        phase: "failed",
        kind: "platform",
        reason: "deadline exceeded: the variation ran longer than 600 s (AGENT_ACTIVE_DEADLINE_SECONDS)",
        exitCode: 143,
        deleteJob: false,
      },
    ],
    [
      "image pull errors fail at once and delete the Job",
      job(),
      pod({ waiting: { reason: "ImagePullBackOff", message: "Back-off pulling image" } }, { phase: "Pending" }),
      {
        phase: "failed",
        kind: "platform",
        reason: "the agent image cannot be pulled (ImagePullBackOff: Back-off pulling image); check AGENT_IMAGE and the registry",
        exitCode: null,
        deleteJob: true,
      },
    ],
    [
      "a container that cannot be created",
      job(),
      pod({ waiting: { reason: "CreateContainerConfigError", message: 'secret "x" not found' } }, { phase: "Pending" }),
      {
        phase: "failed",
        kind: "platform",
        reason: 'the agent container cannot be created (CreateContainerConfigError: secret "x" not found)',
        exitCode: null,
        deleteJob: true,
      },
    ],
    [
      "eviction",
      job(),
      { status: { phase: "Failed", reason: "Evicted", message: "The node was low on resource: ephemeral-storage." } } as V1Pod,
      {
        phase: "failed",
        kind: "platform",
        reason: "the pod was evicted: The node was low on resource: ephemeral-storage.",
        exitCode: null,
        deleteJob: false,
      },
    ],
    [
      "a Job failure the pod cannot explain",
      job([{ type: "Failed", status: "True", reason: "PodFailurePolicy", message: "container agent failed" }]),
      undefined,
      {
        phase: "failed",
        kind: "platform",
        reason: "the Job failed: PodFailurePolicy: container agent failed",
        exitCode: null,
        deleteJob: false,
      },
    ],
  ])("%s", (_name, j, p, expected) => {
    expect(workloadState(j, p, settings)).toEqual(expected);
  });

  it("decides an exited container without a verdict from its exit code", () => {
    expect(exitedOutcome(pod({ terminated: { exitCode: 0 } }), settings)).toEqual({ phase: "succeeded" });
    expect(exitedOutcome(pod({ terminated: { exitCode: 1 } }), settings)).toMatchObject({ phase: "failed", exitCode: 1 });
    expect(exitedOutcome(pod({ running: {} }), settings)).toBeNull();
  });
});
