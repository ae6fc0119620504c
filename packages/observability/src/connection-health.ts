import type { Logger } from "pino";

/** What a client connection emits: ioredis connections (and anything like them). */
type Connection = { on(event: "error", listener: (err: Error) => void): unknown; on(event: "ready", listener: () => void): unknown };

/**
 * One warning when a dependency's connections go down and one line when they are back, instead of
 * a line (or an unhandled error event) per failed reconnect: the listeners every connection needs.
 */
export function logConnectionHealth(logger: Logger, dependency: string, connections: Connection[]): void {
  let down = false;
  for (const connection of connections) {
    connection.on("error", (err) => {
      if (down) return;
      down = true;
      logger.warn({ err: { message: err.message }, dependency }, `${dependency} connection lost; reconnecting`);
    });
    connection.on("ready", () => {
      if (down) logger.info({ dependency }, `${dependency} connection restored`);
      down = false;
    });
  }
}
