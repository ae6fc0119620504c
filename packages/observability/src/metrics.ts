import client from "prom-client";

export type Metrics = ReturnType<typeof createMetrics>;
export type HttpMetricsHook = (route: string, method: string, status: number, seconds: number) => void;

/** HTTP status classes: a bounded set known in advance, so every route's series can start at 0. */
export const STATUS_CLASSES = ["2xx", "3xx", "4xx", "5xx"] as const;
export const statusClass = (status: number) => `${Math.min(5, Math.max(2, Math.floor(status / 100)))}xx`;

/** Probes and scrapes are not traffic: they would dominate the request rate of a quiet service. */
export const OPS_ROUTES = new Set(["/health", "/ready", "/metrics"]);

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * One registry per service instance (never the global one), so several services can live in one
 * test process without clashing names. `http: false` for processes that serve no HTTP API beyond
 * their ops port (worker, agent-launcher): they export no HTTP RED metrics at all.
 */
export function createMetrics(service: string, options: { http?: boolean } = {}) {
  const registry = new client.Registry();
  registry.setDefaultLabels({ service });
  client.collectDefaultMetrics({ register: registry });

  // A second definition of the same name (two components of one process, e.g. two reconcilers) gets the first one.
  const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;

  const http =
    options.http === false
      ? null
      : {
          requests: new client.Counter({
            name: "http_requests_total",
            help: "HTTP requests by route template, method and status class (2xx..5xx); ops routes not counted",
            labelNames: ["route", "method", "status"] as const,
            registers: [registry],
          }),
          duration: new client.Histogram({
            name: "http_request_duration_seconds",
            help: "HTTP request duration by route template and method; ops routes not counted",
            labelNames: ["route", "method"] as const,
            buckets: HTTP_BUCKETS,
            registers: [registry],
          }),
        };

  return {
    registry,
    client,
    /** Null in processes without an HTTP API. */
    http,
    /**
     * `openLabels`: for label values nobody knows in advance (the model a provider answered with,
     * a persona's own model). A new label set is exported at 0 first and its first increments are
     * held until a scrape has seen that 0, then applied: rate() and increase() see the step from
     * 0 instead of a series that appears at its first value (which they cannot count). The values
     * are one scrape late; the totals are never wrong.
     */
    counter<L extends string>(name: string, help: string, labelNames: readonly L[] = [], options: { openLabels?: boolean } = {}) {
      const found = existing<client.Counter<L>>(name);
      if (found) return found;
      if (!options.openLabels || labelNames.length === 0) return new client.Counter<L>({ name, help, labelNames, registers: [registry] });
      const pending = new Map<string, { labels: Partial<Record<L, string | number>>; value: number; seen: boolean }>();
      const shown = new Set<string>();
      const counter: client.Counter<L> = new client.Counter<L>({
        name,
        help,
        labelNames,
        registers: [registry],
        // Runs at every scrape, before the values are read.
        collect() {
          for (const [key, entry] of pending) {
            if (!entry.seen) {
              entry.seen = true;
              continue;
            }
            direct(entry.labels, entry.value);
            pending.delete(key);
            shown.add(key);
          }
        },
      });
      const direct = counter.inc.bind(counter) as (labels: Partial<Record<L, string | number>>, value?: number) => void;
      counter.inc = ((labels?: Partial<Record<L, string | number>> | number, value?: number) => {
        if (typeof labels !== "object") return direct({}, labels);
        const key = labelNames.map((l) => String(labels[l] ?? "")).join("\u0000");
        if (shown.has(key)) return direct(labels, value);
        const entry = pending.get(key);
        if (entry) entry.value += value ?? 1;
        else {
          direct(labels, 0);
          pending.set(key, { labels: { ...labels }, value: value ?? 1, seen: false });
        }
      }) as client.Counter<L>["inc"];
      return counter;
    },
    gauge<L extends string>(
      name: string,
      help: string,
      labelNames: readonly L[] = [],
      collect?: (this: client.Gauge<L>) => Promise<void> | void,
    ) {
      return (
        existing<client.Gauge<L>>(name) ??
        new client.Gauge<L>({ name, help, labelNames, registers: [registry], ...(collect ? { collect } : {}) })
      );
    },
    histogram<L extends string>(name: string, help: string, labelNames: readonly L[] = [], buckets?: number[]) {
      return (
        existing<client.Histogram<L>>(name) ??
        new client.Histogram<L>({ name, help, labelNames, registers: [registry], ...(buckets ? { buckets } : {}) })
      );
    },
  };
}

/**
 * Exports every combination of the given label values at 0. A labelled series that first appears
 * at 1 is invisible to rate() and increase() (they see no step from nothing to 1), so every series
 * whose label values are known in advance (statuses, outcomes, phases, error codes, the personas
 * known at start) must exist before its first event. Histograms get all their buckets at 0.
 */
export function startAtZero<L extends string>(
  metric: client.Counter<L> | client.Histogram<L>,
  values: { [K in L]?: readonly string[] },
): void {
  const entries = Object.entries(values) as [L, readonly string[]][];
  let combos: Partial<Record<L, string>>[] = [{}];
  for (const [label, options] of entries) combos = combos.flatMap((c) => options.map((v) => ({ ...c, [label]: v })));
  for (const labels of combos) {
    if (metric instanceof client.Histogram) metric.zero(labels as Partial<Record<L, string | number>>);
    else metric.inc(labels as Partial<Record<L, string | number>>, 0);
  }
}

/**
 * RED metrics per route template (never the raw URL, which would explode cardinality). Each
 * registered route starts at 0 for every status class; ops routes are not counted.
 */
export function observeHttp(metrics: Metrics): { observe: HttpMetricsHook; route: (route: string, methods: readonly string[]) => void } {
  const http = metrics.http;
  return {
    route(route, methods) {
      if (!http || OPS_ROUTES.has(route)) return;
      for (const method of methods) {
        startAtZero(http.requests, { route: [route], method: [method], status: STATUS_CLASSES });
        startAtZero(http.duration, { route: [route], method: [method] });
      }
    },
    observe(route, method, status, seconds) {
      if (!http || OPS_ROUTES.has(route)) return;
      http.requests.inc({ route, method, status: statusClass(status) });
      http.duration.observe({ route, method }, seconds);
    },
  };
}
