import type { Logger } from "pino";

type Emitter = { on(event: "error", listener: (err: Error) => void): unknown };

/** How long the same error of the same emitter is logged only once. */
export const ERROR_REPEAT_WINDOW_MS = 60_000;

/**
 * The `error` listener every BullMQ Queue, Worker and QueueEvents and every client needs: without
 * one, an outage (Redis down) prints a multi-line stack trace to stderr per failed reconnect,
 * outside the JSON log. With it, each distinct error is ONE structured line (message and code, no
 * stack: the cause is the dependency, not our code), repeated at most once a minute with how many
 * times it happened since.
 */
export function logErrors(logger: Logger, component: string, emitters: Emitter[], windowMs = ERROR_REPEAT_WINDOW_MS): void {
  const seen = new Map<string, { at: number; repeats: number }>();
  for (const emitter of emitters) {
    emitter.on("error", (err: Error) => {
      const message = err instanceof Error ? err.message : String(err);
      const now = Date.now();
      const last = seen.get(message);
      if (last && now - last.at < windowMs) {
        last.repeats++;
        return;
      }
      seen.set(message, { at: now, repeats: 0 });
      const code = (err as { code?: unknown }).code;
      logger.warn(
        {
          source: component,
          err: { message, ...(typeof code === "string" ? { code } : {}) },
          ...(last?.repeats ? { repeats: last.repeats } : {}),
        },
        `${component} error`,
      );
    });
  }
}
