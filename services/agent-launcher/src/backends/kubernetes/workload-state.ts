// What a variation's Job and pod say about it, as a pure function of the two objects: the reason
// strings here are what users read in the dashboard, so they name the cause and the knob.
import type { V1ContainerStatus, V1Job, V1Pod } from "@kubernetes/client-node";
import { CONTAINER } from "./job-spec.ts";

export type WorkloadState =
  | { phase: "pending"; detail?: string }
  | { phase: "running" }
  /** The container ended but the Job controller has not concluded yet (its condition decides deadline vs exit). */
  | { phase: "exited"; exitCode: number; reason: string | undefined }
  | { phase: "succeeded" }
  | { phase: "failed"; kind: "exit" | "platform"; reason: string; exitCode: number | null; deleteJob: boolean };

export type StateSettings = { activeDeadlineSeconds: number; memoryLimit: string };

const IMAGE_ERRORS = new Set(["ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull", "RegistryUnavailable"]);
const CREATE_ERRORS = new Set(["CreateContainerConfigError", "CreateContainerError", "RunContainerError"]);

function agentContainer(pod: V1Pod | undefined): V1ContainerStatus | undefined {
  return pod?.status?.containerStatuses?.find((c) => c.name === CONTAINER);
}

function terminatedOutcome(status: V1ContainerStatus | undefined, settings: StateSettings): WorkloadState | null {
  const terminated = status?.state?.terminated;
  if (!terminated) return null;
  if (terminated.reason === "OOMKilled") {
    return {
      phase: "failed",
      kind: "platform",
      reason: `out of memory: the agent went over its ${settings.memoryLimit} limit and was killed (raise AGENT_MEMORY_LIMIT)`,
      exitCode: terminated.exitCode,
      deleteJob: false,
    };
  }
  if (terminated.exitCode === 0) return { phase: "succeeded" };
  return {
    phase: "failed",
    kind: "exit",
    reason: `the agent exited with code ${terminated.exitCode}${terminated.reason && terminated.reason !== "Error" ? ` (${terminated.reason})` : ""}`,
    exitCode: terminated.exitCode,
    deleteJob: false,
  };
}

function evicted(pod: V1Pod): WorkloadState {
  return {
    phase: "failed",
    kind: "platform",
    reason: `the pod was evicted: ${pod.status?.message ?? "node pressure"}`,
    exitCode: null,
    deleteJob: false,
  };
}

export function workloadState(job: V1Job | undefined, pod: V1Pod | undefined, settings: StateSettings): WorkloadState {
  const container = agentContainer(pod);
  const conditions = job?.status?.conditions ?? [];
  const failed = conditions.find((c) => (c.type === "Failed" || c.type === "FailureTarget") && c.status === "True");
  const complete = conditions.find((c) => (c.type === "Complete" || c.type === "SuccessCriteriaMet") && c.status === "True");

  if (failed) {
    if (failed.reason === "DeadlineExceeded") {
      return {
        phase: "failed",
        kind: "platform",
        reason: `deadline exceeded: the variation ran longer than ${settings.activeDeadlineSeconds} s (AGENT_ACTIVE_DEADLINE_SECONDS)`,
        exitCode: container?.state?.terminated?.exitCode ?? null,
        deleteJob: false,
      };
    }
    const fromPod = terminatedOutcome(container, settings);
    if (fromPod && fromPod.phase === "failed") return fromPod;
    if (pod?.status?.reason === "Evicted") return evicted(pod);
    return {
      phase: "failed",
      kind: "platform",
      reason: `the Job failed: ${failed.reason ?? "unknown reason"}${failed.message ? `: ${failed.message}` : ""}`,
      exitCode: container?.state?.terminated?.exitCode ?? null,
      deleteJob: false,
    };
  }
  if (complete) return { phase: "succeeded" };

  const waiting = container?.state?.waiting;
  if (waiting?.reason && IMAGE_ERRORS.has(waiting.reason)) {
    return {
      phase: "failed",
      kind: "platform",
      reason: `the agent image cannot be pulled (${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""}); check AGENT_IMAGE and the registry`,
      exitCode: null,
      deleteJob: true,
    };
  }
  if (waiting?.reason && CREATE_ERRORS.has(waiting.reason)) {
    return {
      phase: "failed",
      kind: "platform",
      reason: `the agent container cannot be created (${waiting.reason}${waiting.message ? `: ${waiting.message}` : ""})`,
      exitCode: null,
      deleteJob: true,
    };
  }
  if (pod?.status?.phase === "Failed" && pod.status.reason === "Evicted") return evicted(pod);
  const terminated = container?.state?.terminated;
  if (terminated) return { phase: "exited", exitCode: terminated.exitCode, reason: terminated.reason };
  if (container?.state?.running) return { phase: "running" };
  const unschedulable = pod?.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
  return unschedulable?.message ? { phase: "pending", detail: unschedulable.message } : { phase: "pending" };
}

/** Decides an `exited` container without a Job verdict (the controller is slow or gone). */
export function exitedOutcome(pod: V1Pod | undefined, settings: StateSettings): WorkloadState | null {
  return terminatedOutcome(agentContainer(pod), settings);
}
