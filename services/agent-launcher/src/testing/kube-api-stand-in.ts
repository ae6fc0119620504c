// A local HTTP stand-in for the parts of the Kubernetes API the launcher uses, so the real
// @kubernetes/client-node talks to it exactly as to a cluster: Jobs (create, get, list, watch,
// delete), Pods (list, watch) and pods/log (follow, timestamps, sinceTime). A tiny "controller"
// turns each Job into a pod that plays a script: print lines, then exit, OOM, fail to pull its
// image, or run until deleted. Faults are scripted: a log stream cut mid-line, watches that
// close or expire (410 Gone).
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig, type V1Job, type V1Pod } from "@kubernetes/client-node";

export type PodScript = {
  /** What the container prints, one entry per line. */
  lines: string[];
  /** Pause between lines; default 2 ms. */
  lineDelayMs?: number;
  /** Lines (by index) that get the same timestamp as the line before them (kubelet nanosecond collisions). */
  sameTimestampAs?: number[];
  exitCode?: number;
  /** Container termination reason; default Completed/Error by exit code. */
  terminatedReason?: string;
  /** The Job fails with DeadlineExceeded once the lines are printed. */
  deadlineExceeded?: boolean;
  /** The container never starts (ErrImagePull, CreateContainerConfigError, ...). */
  waiting?: { reason: string; message: string };
  /** Keep running after the lines until the Job is deleted. */
  runForever?: boolean;
  /** Delay before the container starts (pending time). */
  startDelayMs?: number;
  /** Pause after this many lines until `release(jobName)`: a test acts while the pod surely still runs. */
  holdAfter?: number;
};

type Resource = "jobs" | "pods";
type HistoryEvent = { rv: number; resource: Resource; type: "ADDED" | "MODIFIED" | "DELETED"; object: V1Job | V1Pod };
type LogLine = { nanos: bigint; text: string };
type PodState = { pod: V1Pod; log: LogLine[]; terminated: boolean; followers: Set<() => void>; stop: () => void };
type Watcher = { resource: Resource; selector: Record<string, string>; response: ServerResponse };

export type RecordedRequest = { method: string; path: string; query: Record<string, string> };

export type KubeApiStandIn = {
  url: string;
  kubeConfig: () => KubeConfig;
  requests: RecordedRequest[];
  jobs: () => V1Job[];
  pods: () => V1Pod[];
  /** Every line a pod has printed so far (without timestamps). */
  podLog: (jobName: string) => string[];
  /** The next follow request for this Job's pod is cut after `lines` lines, halfway through the next one. */
  dropLogAfter: (jobName: string, lines: number) => void;
  /** Lets a pod held by `holdAfter` go on printing (and finish). */
  release: (jobName: string) => void;
  /** Ends every open watch cleanly (as an apiserver does at its timeout). */
  closeWatches: () => void;
  /** Compacts history: open watches end, and resuming from any earlier resourceVersion answers 410 Gone. */
  expireWatches: (mode?: "error-event" | "http-status") => void;
  close: () => Promise<void>;
};

const JOB_PATH = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs(?:\/([^/]+))?$/;
const POD_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+)(\/log)?)?$/;

function formatNanos(nanos: bigint): string {
  const ms = nanos / 1_000_000n;
  const base = new Date(Number(ms)).toISOString().slice(0, 19);
  const fraction = (nanos % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
  return `${base}${fraction ? `.${fraction}` : ""}Z`;
}

function parseSelector(text: string | undefined): Record<string, string> {
  const selector: Record<string, string> = {};
  for (const part of (text ?? "").split(",").filter(Boolean)) {
    const [k, v] = part.split("=");
    if (k && v !== undefined) selector[k] = v;
  }
  return selector;
}

const matches = (labels: Record<string, string> | undefined, selector: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

export async function startKubeApiStandIn(options: { script: (job: V1Job) => PodScript }): Promise<KubeApiStandIn> {
  let rv = 1;
  let compactedBelow = 0;
  let goneMode: "error-event" | "http-status" = "error-event";
  const history: HistoryEvent[] = [];
  const jobs = new Map<string, V1Job>();
  const pods = new Map<string, PodState>();
  const watchers = new Set<Watcher>();
  const drops = new Map<string, number>();
  const requests: RecordedRequest[] = [];
  const released = new Set<string>();
  const held = new Map<string, () => void>();
  let lastNanos = 0n;

  const now = () => {
    const wall = BigInt(Date.now()) * 1_000_000n;
    lastNanos = wall > lastNanos ? wall : lastNanos + 1n;
    return lastNanos;
  };

  const publish = (resource: Resource, type: HistoryEvent["type"], object: V1Job | V1Pod) => {
    rv += 1;
    object.metadata = { ...object.metadata, resourceVersion: String(rv) };
    const event: HistoryEvent = { rv, resource, type, object: structuredClone(object) };
    history.push(event);
    for (const w of watchers) {
      if (w.resource === resource && matches(object.metadata?.labels, w.selector)) {
        w.response.write(`${JSON.stringify({ type, object: event.object })}\n`);
      }
    }
  };

  const setJob = (job: V1Job, type: HistoryEvent["type"] = "MODIFIED") => {
    jobs.set(job.metadata?.name as string, job);
    publish("jobs", type, job);
  };
  const setPod = (state: PodState, type: HistoryEvent["type"] = "MODIFIED") => publish("pods", type, state.pod);

  const finishJob = (job: V1Job, script: PodScript, exitCode: number) => {
    if (!jobs.has(job.metadata?.name as string)) return;
    const t = new Date().toISOString();
    const failed = script.deadlineExceeded || exitCode !== 0;
    job.status = {
      ...job.status,
      active: 0,
      ...(failed ? { failed: 1 } : { succeeded: 1 }),
      conditions: [
        failed
          ? {
              type: "Failed",
              status: "True",
              reason: script.deadlineExceeded ? "DeadlineExceeded" : "BackoffLimitExceeded",
              message: script.deadlineExceeded
                ? "Job was active longer than specified deadline"
                : "Job has reached the specified backoff limit",
              lastTransitionTime: t as unknown as Date,
            }
          : { type: "Complete", status: "True", lastTransitionTime: t as unknown as Date },
      ],
    };
    setJob(job);
  };

  const runPod = (job: V1Job) => {
    const script = options.script(job);
    const jobName = job.metadata?.name as string;
    const podName = `${jobName}-${randomUUID().slice(0, 5)}`;
    const state: PodState = {
      pod: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          name: podName,
          namespace: job.metadata?.namespace,
          labels: { ...job.spec?.template.metadata?.labels, "job-name": jobName },
          creationTimestamp: new Date().toISOString() as unknown as Date,
        },
        spec: structuredClone(job.spec?.template.spec) as V1Pod["spec"],
        status: { phase: "Pending" },
      },
      log: [],
      terminated: false,
      followers: new Set(),
      stop: () => {},
    };
    pods.set(podName, state);
    setPod(state, "ADDED");
    const timers: NodeJS.Timeout[] = [];
    let stopped = false;
    state.stop = () => {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      state.terminated = true;
      for (const wake of state.followers) wake();
    };
    const later = (ms: number, fn: () => void) => timers.push(setTimeout(() => !stopped && fn(), ms));
    const container = (status: NonNullable<V1Pod["status"]>["containerStatuses"]) => {
      state.pod.status = { ...state.pod.status, containerStatuses: status };
    };

    later(script.startDelayMs ?? 10, () => {
      if (script.waiting) {
        container([{ name: "agent", image: "agent", imageID: "", ready: false, restartCount: 0, state: { waiting: script.waiting } }]);
        setPod(state);
        return;
      }
      state.pod.status = { ...state.pod.status, phase: "Running" };
      container([
        {
          name: "agent",
          image: "agent",
          imageID: "",
          ready: true,
          restartCount: 0,
          started: true,
          state: { running: { startedAt: new Date() } },
        },
      ]);
      setPod(state);
      job.status = { ...job.status, active: 1 };
      setJob(job);
      let i = 0;
      const print = () => {
        if (i === script.holdAfter && !released.has(jobName)) {
          held.set(jobName, () => later(0, print));
          return;
        }
        if (i < script.lines.length) {
          const previous = state.log.at(-1);
          const nanos = script.sameTimestampAs?.includes(i) && previous ? previous.nanos : now();
          state.log.push({ nanos, text: script.lines[i] as string });
          i += 1;
          for (const wake of state.followers) wake();
          later(script.lineDelayMs ?? 2, print);
          return;
        }
        if (script.runForever) return;
        const exitCode = script.exitCode ?? 0;
        state.terminated = true;
        state.pod.status = { ...state.pod.status, phase: exitCode === 0 ? "Succeeded" : "Failed" };
        container([
          {
            name: "agent",
            image: "agent",
            imageID: "",
            ready: false,
            restartCount: 0,
            state: {
              terminated: { exitCode, reason: script.terminatedReason ?? (exitCode === 0 ? "Completed" : "Error"), finishedAt: new Date() },
            },
          },
        ]);
        setPod(state);
        for (const wake of state.followers) wake();
        later(15, () => finishJob(job, script, exitCode));
      };
      print();
    });
  };

  const list = (resource: Resource, query: Record<string, string>) => {
    const selector = parseSelector(query.labelSelector);
    const items = resource === "jobs" ? [...jobs.values()] : [...pods.values()].map((p) => p.pod);
    return {
      apiVersion: resource === "jobs" ? "batch/v1" : "v1",
      kind: resource === "jobs" ? "JobList" : "PodList",
      metadata: { resourceVersion: String(rv) },
      items: items.filter((o) => matches(o.metadata?.labels, selector)),
    };
  };

  const watch = (resource: Resource, query: Record<string, string>, response: ServerResponse) => {
    const from = Number(query.resourceVersion ?? "0");
    if (from && from < compactedBelow) {
      if (goneMode === "http-status") {
        return json(response, 410, {
          kind: "Status",
          apiVersion: "v1",
          status: "Failure",
          reason: "Expired",
          code: 410,
          message: "too old resource version",
        });
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end(
        `${JSON.stringify({
          type: "ERROR",
          object: {
            kind: "Status",
            apiVersion: "v1",
            status: "Failure",
            reason: "Expired",
            code: 410,
            message: `too old resource version: ${from} (${compactedBelow})`,
          },
        })}\n`,
      );
      return;
    }
    const selector = parseSelector(query.labelSelector);
    response.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    for (const event of history) {
      if (event.rv > from && event.resource === resource && matches(event.object.metadata?.labels, selector)) {
        response.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
      }
    }
    const watcher: Watcher = { resource, selector, response };
    watchers.add(watcher);
    response.on("close", () => watchers.delete(watcher));
  };

  const deleteJob = (name: string) => {
    const job = jobs.get(name);
    if (!job) return false;
    jobs.delete(name);
    publish("jobs", "DELETED", job);
    for (const [podName, state] of pods) {
      if (state.pod.metadata?.labels?.["job-name"] === name) {
        state.stop();
        pods.delete(podName);
        publish("pods", "DELETED", state.pod);
      }
    }
    return true;
  };

  const streamLog = (state: PodState, query: Record<string, string>, request: IncomingMessage, response: ServerResponse) => {
    const container = state.pod.status?.containerStatuses?.[0];
    if (!container || container.state?.waiting) {
      return json(response, 400, {
        kind: "Status",
        status: "Failure",
        code: 400,
        reason: "BadRequest",
        message: `container "agent" in pod "${state.pod.metadata?.name}" is waiting to start: ${container?.state?.waiting?.reason ?? "ContainerCreating"}`,
      });
    }
    const follow = query.follow === "true";
    const timestamps = query.timestamps === "true";
    let since = 0n;
    if (query.sinceTime) {
      const match = /^(.*?)(?:\.(\d+))?Z$/.exec(query.sinceTime);
      since = BigInt(Date.parse(`${match?.[1]}Z`)) * 1_000_000n + BigInt((match?.[2] ?? "").padEnd(9, "0").slice(0, 9) || "0");
    }
    const jobName = state.pod.metadata?.labels?.["job-name"] as string;
    const dropAfter = follow ? drops.get(jobName) : undefined;
    if (dropAfter !== undefined) drops.delete(jobName);
    response.writeHead(200, { "content-type": "text/plain", "transfer-encoding": "chunked" });
    let next = state.log.findIndex((l) => l.nanos >= since);
    if (next < 0) next = state.log.length;
    let sent = 0;
    const format = (l: LogLine) => `${timestamps ? `${formatNanos(l.nanos)} ` : ""}${l.text}\n`;
    const pump = () => {
      while (next < state.log.length) {
        const line = format(state.log[next] as LogLine);
        if (dropAfter !== undefined && sent >= dropAfter) {
          // Cut mid-line, without ending the chunked body: what a dying node or proxy does.
          response.write(line.slice(0, Math.max(1, Math.floor(line.length / 2))));
          request.socket.destroy();
          return;
        }
        response.write(line);
        next += 1;
        sent += 1;
      }
      if (!follow || state.terminated) {
        state.followers.delete(pump);
        response.end();
      }
    };
    state.followers.add(pump);
    response.on("close", () => state.followers.delete(pump));
    pump();
  };

  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://stand-in");
    const query = Object.fromEntries(url.searchParams);
    requests.push({ method: request.method ?? "GET", path: url.pathname, query });
    let body = "";
    request.on("data", (c) => (body += c));
    request.on("end", () => {
      const jobMatch = JOB_PATH.exec(url.pathname);
      const podMatch = POD_PATH.exec(url.pathname);
      if (jobMatch) {
        const [, namespace, name] = jobMatch;
        if (request.method === "POST" && !name) {
          const job = JSON.parse(body) as V1Job;
          const jobName = job.metadata?.name as string;
          if (jobs.has(jobName)) {
            return json(response, 409, {
              kind: "Status",
              code: 409,
              reason: "AlreadyExists",
              message: `jobs.batch "${jobName}" already exists`,
            });
          }
          job.metadata = { ...job.metadata, namespace, uid: randomUUID(), creationTimestamp: new Date().toISOString() as unknown as Date };
          job.status = {};
          setJob(job, "ADDED");
          setTimeout(() => jobs.has(jobName) && runPod(job), 5);
          return json(response, 201, job);
        }
        if (request.method === "GET" && name) {
          const job = jobs.get(name);
          return job
            ? json(response, 200, job)
            : json(response, 404, { kind: "Status", code: 404, reason: "NotFound", message: `jobs.batch "${name}" not found` });
        }
        if (request.method === "DELETE" && name) {
          return deleteJob(name)
            ? json(response, 200, { kind: "Status", status: "Success" })
            : json(response, 404, { kind: "Status", code: 404, reason: "NotFound", message: `jobs.batch "${name}" not found` });
        }
        if (request.method === "GET")
          return query.watch === "true" ? watch("jobs", query, response) : json(response, 200, list("jobs", query));
      }
      if (podMatch) {
        const [, , name, log] = podMatch;
        if (request.method === "GET" && name && log) {
          const state = pods.get(name);
          if (!state) return json(response, 404, { kind: "Status", code: 404, reason: "NotFound", message: `pods "${name}" not found` });
          return streamLog(state, query, request, response);
        }
        if (request.method === "GET" && !name)
          return query.watch === "true" ? watch("pods", query, response) : json(response, 200, list("pods", query));
      }
      json(response, 404, {
        kind: "Status",
        code: 404,
        reason: "NotFound",
        message: `the stand-in does not serve ${request.method} ${url.pathname}`,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const endWatches = () => {
    for (const w of watchers) w.response.end();
    watchers.clear();
  };

  return {
    url,
    requests,
    kubeConfig() {
      const kc = new KubeConfig();
      kc.loadFromOptions({
        clusters: [{ name: "stand-in", server: url, skipTLSVerify: true }],
        users: [{ name: "launcher", token: "stand-in-token" }],
        contexts: [{ name: "stand-in", cluster: "stand-in", user: "launcher", namespace: "agents" }],
        currentContext: "stand-in",
      });
      return kc;
    },
    jobs: () => [...jobs.values()],
    pods: () => [...pods.values()].map((p) => p.pod),
    podLog: (jobName) => [...pods.values()].find((p) => p.pod.metadata?.labels?.["job-name"] === jobName)?.log.map((l) => l.text) ?? [],
    dropLogAfter: (jobName, lines) => drops.set(jobName, lines),
    release(jobName) {
      released.add(jobName);
      held.get(jobName)?.();
      held.delete(jobName);
    },
    closeWatches: endWatches,
    expireWatches(mode = "error-event") {
      goneMode = mode;
      // History before now is gone: resuming from any version a client has seen answers 410.
      rv += 1;
      compactedBelow = rv;
      endWatches();
    },
    async close() {
      endWatches();
      for (const state of pods.values()) state.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function json(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}
