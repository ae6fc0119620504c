import type { FastifyReply, FastifyRequest } from "fastify";
import type { OrchestratorDeps } from "../deps.ts";
import { type IdempotencyKeys, type IdempotentRequest, idempotencyKeyOf } from "../idempotency.ts";
import type { OrchestratorMetrics } from "../metrics.ts";
import type { SseConnections } from "../sse-connections.ts";

/** What route modules get from buildApp. */
export type RouteDeps = {
  deps: OrchestratorDeps;
  idempotency: IdempotencyKeys;
  metrics: OrchestratorMetrics;
  sse: SseConnections;
};

/**
 * Acts at most once per the request's Idempotency-Key (see IdempotencyKeys.run): a repeat gets
 * `replay(entity id)`, and its response is marked as the stored result of the earlier request.
 */
export async function idempotently<T>(
  http: { request: FastifyRequest; reply: FastifyReply; idempotency: IdempotencyKeys },
  claim: Omit<IdempotentRequest, "key">,
  act: () => Promise<T>,
  replay: (entityId: string) => Promise<T>,
): Promise<T> {
  const { value, replayed } = await http.idempotency.run({ ...claim, key: idempotencyKeyOf(http.request.headers) }, act, replay);
  if (replayed) http.reply.header("idempotent-replayed", "true");
  return value;
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
