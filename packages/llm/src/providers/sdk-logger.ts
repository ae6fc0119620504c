/** The part of a pino logger the SDKs' warnings go to. */
export type SdkLogger = {
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
};

type LogFn = (message: string, ...rest: unknown[]) => void;

function detailsOf(rest: unknown[]): Record<string, unknown> {
  if (rest.length === 0) return {};
  let text: string;
  try {
    text = JSON.stringify(rest);
  } catch {
    text = String(rest);
  }
  return { sdk_detail: text.slice(0, 500) };
}

/**
 * SDK client options that send the SDK's own warnings and errors (unparseable stream chunks,
 * deprecations) through the service logger, whose redaction applies, instead of the console.
 * Without a logger the SDK stays silent. Debug output is never enabled: it prints request options.
 */
export function sdkLogOptions(logger: SdkLogger | undefined): {
  logLevel: "warn" | "off";
  logger?: Record<"error" | "warn" | "info" | "debug", LogFn>;
} {
  if (!logger) return { logLevel: "off" };
  const ignore: LogFn = () => {};
  return {
    logLevel: "warn",
    logger: {
      error: (message, ...rest) => logger.error(detailsOf(rest), String(message)),
      warn: (message, ...rest) => logger.warn(detailsOf(rest), String(message)),
      info: ignore,
      debug: ignore,
    },
  };
}
