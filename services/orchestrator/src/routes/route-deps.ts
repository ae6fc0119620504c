import type { FastifyReply } from "fastify";
import type { Config } from "../config.ts";
import type { IdempotencyKeys } from "../idempotency.ts";
import type { OrchestratorMetrics } from "../metrics.ts";
import type { SseConnections } from "../sse-connections.ts";
import type { TaskContext } from "../tasks/task-context.ts";

/** What route modules get from buildApp. */
export type RouteDeps = {
  config: Config;
  tasks: TaskContext;
  idempotency: IdempotencyKeys;
  metrics: OrchestratorMetrics;
  sse: SseConnections;
};

/** Marks a response as the stored result of an earlier request with the same Idempotency-Key. */
export function markReplay(reply: FastifyReply, replayed: boolean): void {
  if (replayed) reply.header("idempotent-replayed", "true");
}

/** W3C trace headers of the request, to continue the client's trace. */
export function traceHeadersOf(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ["traceparent", "tracestate"]) {
    const value = headers[name];
    if (typeof value === "string") out[name] = value;
  }
  return out;
}
