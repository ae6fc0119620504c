import type { FastifyServerOptions } from "fastify";

/**
 * Server timeouts and limits shared by every Fastify service. SSE responses are long-lived, so
 * there is no overall request timeout; slow clients still cannot hold a connection forever while
 * sending headers or a body.
 */
export function serverOptions(options: { bodyLimit?: number; trustProxy?: boolean } = {}): FastifyServerOptions {
  return {
    logger: false,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    connectionTimeout: 0,
    requestTimeout: 30_000,
    keepAliveTimeout: 72_000,
    return503OnClosing: true,
    trustProxy: options.trustProxy ?? false,
    // Request ids for log correlation; honour a proxy's id when it sends one.
    requestIdHeader: "x-request-id",
    ajv: { customOptions: { removeAdditional: false } },
  };
}
