import type { Server } from "node:http";
import { answerClientError, type Logger, PARSER_HEADER_LIMIT_BYTES } from "@threads-agent/observability";
import { type FastifyBaseLogger, type FastifyHttpOptions, LogController } from "fastify";
import { sendProblem } from "./common.ts";

/**
 * Server timeouts and limits shared by every Fastify service. SSE responses are long-lived, so
 * there is no overall request timeout; slow clients still cannot hold a connection forever while
 * sending headers or a body.
 */
export function serverOptions(options: { bodyLimit?: number; trustProxy?: boolean; logger?: Logger } = {}): FastifyHttpOptions<Server> {
  return {
    // Fastify's own request-bound logger (request.log carries req_id); registerCommon writes one line per request.
    ...(options.logger
      ? {
          loggerInstance: options.logger as FastifyBaseLogger,
          logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: "req_id" }),
        }
      : { logger: false }),
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    connectionTimeout: 0,
    requestTimeout: 30_000,
    keepAliveTimeout: 72_000,
    return503OnClosing: true,
    trustProxy: options.trustProxy ?? false,
    // Request ids for log correlation; honour a proxy's id when it sends one.
    requestIdHeader: "x-request-id",
    ajv: { customOptions: { removeAdditional: false } },
    // Requests Node's HTTP parser refuses (unknown method, headers over 16 KB, bad chunking) as problem+json.
    clientErrorHandler: answerClientError,
    // The app refuses heads over 16 KB itself (registerCommon), knowing the method; the parser only past 256 KB.
    http: { maxHeaderSize: PARSER_HEADER_LIMIT_BYTES },
    // Router errors (malformed percent-encoding, absurdly long ids) never reach the error handler.
    frameworkErrors: (error, request, reply) => {
      const tooLong = error.code === "FST_ERR_MAX_PARAM_LENGTH";
      return sendProblem(reply, {
        type: `https://threads-agent.dev/problems/${tooLong ? "uri-too-long" : "bad-url"}`,
        title: tooLong ? "URI too long" : "Bad URL",
        status: tooLong ? 414 : 400,
        detail: tooLong ? "A path parameter is longer than any valid id" : "The URL is not valid (check its percent-encoding)",
        instance: request.url.split("?")[0]?.slice(0, 200) ?? "",
      });
    },
  };
}
