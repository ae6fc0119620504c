import type { Logger } from "pino";

/**
 * Runs `close` once on SIGTERM or SIGINT; a second signal, or the grace period running out, exits
 * at once. Kubernetes sends SIGTERM then SIGKILL after terminationGracePeriodSeconds.
 */
export function onShutdown(logger: Logger, graceMs: number, close: (signal: string) => Promise<void>): void {
  let closing = false;
  const handler = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    closing = true;
    logger.info({ signal, grace_ms: graceMs }, "shutting down");
    const timer = setTimeout(() => {
      logger.error({ grace_ms: graceMs }, "grace period over: exiting with work still open");
      process.exit(1);
    }, graceMs);
    timer.unref();
    close(signal).then(
      () => {
        logger.info("shut down cleanly");
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, "error while shutting down");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", handler);
  process.on("SIGINT", handler);
}
