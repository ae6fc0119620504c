// The OpenTelemetry SDK and the instrumentations, in a module of their own: tracing.ts imports it
// (dynamically) only when an OTLP endpoint is configured, so a service without one never loads
// any of this.
import { createRequire } from "node:module";
import { hostname } from "node:os";
import path from "node:path";
import FastifyOtel from "@fastify/otel";
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { registerInstrumentations } from "@opentelemetry/instrumentation";
import { HttpInstrumentation } from "@opentelemetry/instrumentation-http";
import { IORedisInstrumentation } from "@opentelemetry/instrumentation-ioredis";
import { PgInstrumentation } from "@opentelemetry/instrumentation-pg";
import { UndiciInstrumentation } from "@opentelemetry/instrumentation-undici";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import type { Tracing, TracingOptions } from "./tracing.ts";

/** Probes and scrapes: a trace per Prometheus scrape or kubelet probe would drown the real ones. */
export const OPS_PATHS = new Set(["/health", "/ready", "/metrics"]);
const isOpsPath = (url: string | undefined) => OPS_PATHS.has((url ?? "").split("?")[0] ?? "");

/** Modules whose instrumentation patches the module object; the others listen on diagnostics channels. */
const PATCHED_MODULES = ["http", "https", "pg", "pg-pool", "ioredis"];

/**
 * Starts the SDK: OTLP/HTTP (JSON) export in batches, W3C trace context and baggage, the
 * AsyncLocalStorage context manager, and the instrumentations of every library that has one:
 * Node http (server and client), undici and fetch, Fastify (@fastify/otel, on every Fastify
 * instance created from now on), pg and ioredis. BullMQ's producer and consumer spans come from
 * `queueTelemetry()`, which each queue and worker is built with.
 */
export function startSdk(options: TracingOptions & { endpoint: string }): Tracing {
  const exporter = new OTLPTraceExporter({
    url: `${options.endpoint.replace(/\/$/, "")}/v1/traces`,
    // Bounded, so neither a request nor shutdown ever waits long on a missing collector.
    timeoutMillis: 2000,
  });
  const delay = Number.parseInt(process.env.OTEL_BSP_SCHEDULE_DELAY ?? "", 10);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      "service.name": options.service,
      "service.namespace": "threads-agent",
      "service.instance.id": `${hostname()}:${process.pid}`,
      ...options.attributes,
    }),
    spanProcessors: [new BatchSpanProcessor({ exporter, ...(Number.isFinite(delay) && delay > 0 ? { scheduledDelayMillis: delay } : {}) })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  trace.setGlobalTracerProvider(provider);

  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => isOpsPath(request.url) }),
      new UndiciInstrumentation(),
      // Fastify's request and handler spans, named after the route template; lifecycle hooks
      // (auth, access log) would add a span each per request and tell little.
      new FastifyOtel.FastifyOtelInstrumentation({
        registerOnInitialization: true,
        instrumentHooks: false,
        ignorePaths: (route) => isOpsPath(route.url),
      }),
      // Only inside a trace: the outbox relay and BullMQ poll PostgreSQL and Redis all the time.
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
      new IORedisInstrumentation({ requireParentSpan: true }),
    ],
  });
  patchLoadedModules(options.service);

  let stopped: Promise<void> | undefined;
  return {
    enabled: true,
    shutdown() {
      stopped ??= Promise.race([provider.shutdown(), new Promise<void>((resolve) => setTimeout(resolve, 3000).unref())]).then(
        () => unregister(),
        () => unregister(),
      );
      return stopped;
    },
  };
}

/**
 * Services import their libraries statically, so pg, ioredis and http are loaded before main
 * starts tracing (the SDK loads lazily, only when an endpoint is set). Their instrumentations patch
 * the module on require; requiring each already-loaded module once more, through the hook, patches
 * it in place (prototypes and the shared exports object), for the instances that exist already too.
 * A module not loaded yet is patched by the hook when it is.
 */
function patchLoadedModules(service: string): void {
  const require = createRequire(import.meta.url);
  for (const name of PATCHED_MODULES) {
    if (name === "http" || name === "https") {
      require(name);
      continue;
    }
    const marker = `${path.sep}node_modules${path.sep}${name}${path.sep}`;
    const roots = new Set<string>();
    for (const file of Object.keys(require.cache)) {
      const at = file.lastIndexOf(marker);
      if (at >= 0) roots.add(file.slice(0, at + marker.length - 1));
    }
    for (const root of roots) {
      try {
        // Resolved from inside the package's own directory: exactly the copy that is loaded.
        createRequire(path.join(root, "package.json"))(name);
      } catch (err) {
        // Tracing must never stop a service: without the patch this library is just not traced.
        process.emitWarning(`${service}: could not instrument ${name} at ${root}: ${(err as Error).message}`);
      }
    }
  }
}
