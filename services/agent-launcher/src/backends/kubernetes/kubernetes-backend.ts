import { BatchV1Api, CoreV1Api, type KubeConfig, Log, type V1Job, type V1Pod, Watch } from "@kubernetes/client-node";
import type { Logger } from "@threads-agent/observability";
import {
  type AgentBackend,
  type FollowOptions,
  LaunchRefused,
  type VariationOutcome,
  type VariationRef,
  type VariationSpec,
} from "../backend.ts";
import { apiError } from "./api-error.ts";
import { Changes } from "./changes.ts";
import { buildAgentJob, CONTAINER, type JobSettings, jobName, LABELS, managedSelector, runSelector } from "./job-spec.ts";
import { parseCursor } from "./log-cursor.ts";
import { followPodLog } from "./pod-log.ts";
import { ResourceWatch } from "./resource-watch.ts";
import { exitedOutcome, type WorkloadState, workloadState } from "./workload-state.ts";

export type KubernetesBackendOptions = {
  kubeConfig: KubeConfig;
  settings: JobSettings;
  logger: Logger;
  /** How long to wait, after the container exited, for the Job controller's verdict (deadline vs plain exit). */
  verdictGraceMs?: number;
  /** How long a Job may be missing from the watch cache before a direct read decides it is gone. */
  missingGraceMs?: number;
  onWatchRestart?: (resource: string, reason: string) => void;
  onLogResume?: () => void;
};

/**
 * One Job per variation. Two label-selected watches (Jobs, Pods) feed a shared cache; each
 * followed variation reacts to changes of its own Job and pod, streams its pod's log with
 * resume-from-cursor, and concludes from the Job's conditions and the container's state.
 */
export class KubernetesBackend implements AgentBackend {
  readonly name = "kubernetes";
  readonly survivesRestart = true;
  private readonly options: KubernetesBackendOptions;
  private readonly batch: BatchV1Api;
  private readonly log: Log;
  private readonly jobs: ResourceWatch<V1Job>;
  private readonly pods: ResourceWatch<V1Pod>;
  private readonly changes = new Changes();
  private readonly cancelled = new Set<string>();

  constructor(options: KubernetesBackendOptions) {
    this.options = options;
    const { kubeConfig, settings, logger } = options;
    this.batch = kubeConfig.makeApiClient(BatchV1Api);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    this.log = new Log(kubeConfig);
    const watch = new Watch(kubeConfig);
    const namespace = settings.namespace;
    const onChange = () => this.changes.notify();
    this.jobs = new ResourceWatch<V1Job>({
      resource: "jobs",
      path: `/apis/batch/v1/namespaces/${namespace}/jobs`,
      labelSelector: managedSelector(settings.instance),
      list: (labelSelector) => this.batch.listNamespacedJob({ namespace, labelSelector }),
      watch,
      logger,
      onChange,
      onRestart: (reason) => options.onWatchRestart?.("jobs", reason),
    });
    this.pods = new ResourceWatch<V1Pod>({
      resource: "pods",
      path: `/api/v1/namespaces/${namespace}/pods`,
      labelSelector: managedSelector(settings.instance),
      list: (labelSelector) => core.listNamespacedPod({ namespace, labelSelector }),
      watch,
      logger,
      onChange,
      onRestart: (reason) => options.onWatchRestart?.("pods", reason),
    });
  }

  private async watching(): Promise<void> {
    this.jobs.start();
    this.pods.start();
    await Promise.all([this.jobs.synced(), this.pods.synced()]);
  }

  async launch(spec: VariationSpec): Promise<{ job: string }> {
    const body = buildAgentJob(spec, this.options.settings);
    const name = body.metadata?.name as string;
    try {
      await this.batch.createNamespacedJob({ namespace: this.options.settings.namespace, body });
    } catch (err) {
      const { code, message } = apiError(err);
      // Created by an earlier attempt (a crash between create and recording it): the same variation.
      if (code === 409) return { job: name };
      if (code !== null && code >= 400 && code < 500 && code !== 429)
        throw new LaunchRefused(`Kubernetes refused the Job (${code}): ${message}`);
      throw new Error(`creating Job ${name} failed: ${message}`);
    }
    return { job: name };
  }

  private podOf(ref: VariationRef): V1Pod | undefined {
    const mine = this.pods.values().filter(
      (p) =>
        p.metadata?.labels?.[LABELS.runId] === ref.runId &&
        p.metadata?.labels?.[LABELS.variation] === String(ref.index) &&
        // A ship's pod is its own; a variation's pod has no ship label.
        p.metadata?.labels?.[LABELS.ship] === ref.ship,
    );
    return mine.sort((a, b) => String(b.metadata?.creationTimestamp ?? "").localeCompare(String(a.metadata?.creationTimestamp ?? "")))[0];
  }

  private async jobExists(name: string): Promise<boolean> {
    try {
      await this.batch.readNamespacedJob({ name, namespace: this.options.settings.namespace });
      return true;
    } catch (err) {
      if (apiError(err).code === 404) return false;
      throw err;
    }
  }

  async follow(ref: VariationRef, options: FollowOptions): Promise<VariationOutcome> {
    await this.watching();
    const name = jobName(ref.runId, ref.index, ref.ship);
    const { settings } = this.options;
    const stateSettings = { activeDeadlineSeconds: settings.activeDeadlineSeconds, memoryLimit: settings.resources.memoryLimit };
    const verdictGraceMs = this.options.verdictGraceMs ?? 10_000;
    const missingGraceMs = this.options.missingGraceMs ?? 5_000;
    const since = Date.now();
    let seenJob = false;
    let started = false;
    let exitedAt: number | null = null;
    let logs: Promise<void> | null = null;
    const stopLogs = new AbortController();
    const stop = () => stopLogs.abort();
    options.signal.addEventListener("abort", stop, { once: true });

    const finish = async (outcome: VariationOutcome): Promise<VariationOutcome> => {
      if (outcome.status === "cancelled" || outcome.status === "detached") stopLogs.abort();
      if (logs) await logs;
      options.signal.removeEventListener("abort", stop);
      return outcome;
    };
    const conclude = async (state: Extract<WorkloadState, { phase: "succeeded" | "failed" }>): Promise<VariationOutcome> => {
      if (state.phase === "failed" && state.deleteJob) await this.deleteJob(name).catch(() => {});
      if (state.phase === "succeeded") return finish({ status: "succeeded", exitCode: 0 });
      return finish({ status: "failed", kind: state.kind, reason: state.reason, exitCode: state.exitCode });
    };

    try {
      while (true) {
        if (options.signal.aborted) return await finish({ status: "detached" });
        const job = this.jobs.get(name);
        if (!job) {
          if (this.cancelled.has(ref.runId)) return await finish({ status: "cancelled" });
          if ((seenJob || Date.now() - since > missingGraceMs) && !(await this.jobExists(name))) {
            if (this.cancelled.has(ref.runId)) return await finish({ status: "cancelled" });
            return await finish({
              status: "failed",
              kind: "platform",
              reason:
                "the Job disappeared before it finished (deleted outside the launcher, or removed by its TTL while the launcher was down)",
              exitCode: null,
            });
          }
          await this.changes.wait(500, options.signal);
          continue;
        }
        seenJob = true;
        if (job.metadata?.deletionTimestamp && this.cancelled.has(ref.runId)) {
          return await finish({ status: "cancelled" });
        }
        const pod = this.podOf(ref);
        const container = pod?.status?.containerStatuses?.find((c) => c.name === CONTAINER);
        if (pod?.metadata?.name && (container?.state?.running || container?.state?.terminated) && !logs) {
          if (!started) {
            started = true;
            await options.onStarted();
          }
          const podName = pod.metadata.name;
          logs = followPodLog({
            log: this.log,
            namespace: settings.namespace,
            pod: podName,
            container: CONTAINER,
            cursor: parseCursor(options.cursor),
            onLines: options.onLines,
            containerDone: () => {
              const current = this.pods.get(podName);
              return !current || Boolean(current.status?.containerStatuses?.find((c) => c.name === CONTAINER)?.state?.terminated);
            },
            waitForChange: (ms) => this.changes.wait(ms, stopLogs.signal),
            signal: stopLogs.signal,
            logger: this.options.logger,
            ...(this.options.onLogResume ? { onResume: this.options.onLogResume } : {}),
          });
          // A delivery failure (database down) surfaces through `finish`; keep it from being unhandled meanwhile.
          logs.catch(() => {});
        }
        const state = workloadState(job, pod, stateSettings);
        if (state.phase === "succeeded" || state.phase === "failed") return await conclude(state);
        if (state.phase === "exited") {
          exitedAt ??= Date.now();
          if (Date.now() - exitedAt > verdictGraceMs) {
            const fallback = exitedOutcome(pod, stateSettings);
            if (fallback && (fallback.phase === "succeeded" || fallback.phase === "failed")) return await conclude(fallback);
          }
        }
        await this.changes.wait(1000, options.signal);
      }
    } catch (err) {
      stopLogs.abort();
      await logs?.catch(() => {});
      throw err;
    }
  }

  private async deleteJob(name: string): Promise<void> {
    try {
      // Background propagation: the Job goes at once and the garbage collector removes its pod.
      await this.batch.deleteNamespacedJob({ name, namespace: this.options.settings.namespace, propagationPolicy: "Background" });
    } catch (err) {
      if (apiError(err).code !== 404) throw err;
    }
  }

  async cancel(runId: string): Promise<void> {
    this.cancelled.add(runId);
    // Followers only need the marker until they have seen their Job go.
    setTimeout(() => this.cancelled.delete(runId), 10 * 60_000).unref();
    // `delete` on each Job rather than `deletecollection`: the launcher's Role grants only the verbs it needs.
    const { items } = await this.batch.listNamespacedJob({
      namespace: this.options.settings.namespace,
      labelSelector: runSelector(this.options.settings.instance, runId),
    });
    await Promise.all(items.map((job) => this.deleteJob(job.metadata?.name as string)));
    this.changes.notify();
  }

  async close(): Promise<void> {
    await Promise.all([this.jobs.stop(), this.pods.stop()]);
  }
}
