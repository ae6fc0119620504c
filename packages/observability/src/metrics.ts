import client from "prom-client";

export type Metrics = ReturnType<typeof createMetrics>;
export type HttpMetricsHook = (route: string, method: string, status: number, seconds: number) => void;

/**
 * One registry per service instance (never the global one), so several services can live in one
 * test process without clashing names.
 */
export function createMetrics(service: string) {
  const registry = new client.Registry();
  registry.setDefaultLabels({ service });
  client.collectDefaultMetrics({ register: registry });

  const httpRequests = new client.Counter({
    name: "http_requests_total",
    help: "HTTP requests by route, method and status code",
    labelNames: ["route", "method", "status"] as const,
    registers: [registry],
  });
  const httpDuration = new client.Histogram({
    name: "http_request_duration_seconds",
    help: "HTTP request duration by route and method",
    labelNames: ["route", "method", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });

  // A second definition of the same name (two components of one process, e.g. two reconcilers) gets the first one.
  const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;

  return {
    registry,
    client,
    httpRequests,
    httpDuration,
    counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []) {
      return existing<client.Counter<L>>(name) ?? new client.Counter<L>({ name, help, labelNames, registers: [registry] });
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

/** Fastify hook body: RED metrics per route template (never the raw URL, which would explode cardinality). */
export function observeHttp(metrics: Metrics): HttpMetricsHook {
  return (route, method, status, seconds) => {
    const labels = { route, method, status: String(status) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, seconds);
  };
}
