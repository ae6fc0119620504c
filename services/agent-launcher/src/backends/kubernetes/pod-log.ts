import type { Readable } from "node:stream";
import { Writable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import type { Log } from "@kubernetes/client-node";
import type { Logger } from "@threads-agent/observability";
import type { OutputLine } from "../backend.ts";
import { apiError } from "./api-error.ts";
import { CursorFilter, formatCursor, type LogCursor, sinceTime, splitTimestamp } from "./log-cursor.ts";

type Deliver = (lines: OutputLine[], cursor: string | null) => Promise<void>;

/**
 * Splits a pod log response into timestamped lines, drops the ones the cursor says are stored,
 * and delivers the rest chunk by chunk. The write callback waits for delivery: that is the
 * backpressure from the database all the way to the HTTP response.
 */
class LogLines extends Writable {
  private readonly decoder = new StringDecoder("utf8");
  private buffer = "";
  private readonly filter: CursorFilter;
  private readonly deliver: Deliver;
  /** The last delivery, so a dropped stream can wait for it before resuming. */
  delivered: Promise<void> = Promise.resolve();

  constructor(filter: CursorFilter, deliver: Deliver) {
    super({ highWaterMark: 64 * 1024 });
    this.filter = filter;
    this.deliver = deliver;
  }

  private take(raw: string[]): Promise<void> {
    const lines: OutputLine[] = [];
    for (const line of raw) {
      const { ts, nanos, text } = splitTimestamp(line.endsWith("\r") ? line.slice(0, -1) : line);
      if (!this.filter.accept(ts, nanos)) continue;
      lines.push({ text, ts: nanos === null ? new Date() : new Date(Number(nanos / 1_000_000n)) });
    }
    if (lines.length === 0) return Promise.resolve();
    this.delivered = this.deliver(lines, formatCursor(this.filter.cursor));
    return this.delivered;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.buffer += this.decoder.write(chunk);
    const parts = this.buffer.split("\n");
    this.buffer = parts.pop() ?? "";
    this.take(parts).then(() => callback(), callback);
  }

  /** Only a cleanly ended response reaches here; a partial line from a dropped one is never delivered. */
  override _final(callback: (error?: Error | null) => void): void {
    const rest = this.buffer + this.decoder.end();
    this.buffer = "";
    this.take(rest ? [rest] : []).then(() => callback(), callback);
  }
}

export type PodLogOptions = {
  log: Log;
  namespace: string;
  pod: string;
  container: string;
  cursor: LogCursor | null;
  onLines: Deliver;
  /** True once the container has terminated (from the pod watch). */
  containerDone: () => boolean;
  /** Resolves on the next pod/job change or after `ms`. */
  waitForChange: (ms: number) => Promise<void>;
  signal: AbortSignal;
  logger: Logger;
  /** A stream dropped or ended early and is being resumed from the cursor. */
  onResume?: () => void;
};

type ReadEnd =
  | { kind: "ended" }
  | { kind: "dropped" }
  | { kind: "failed"; code: number | null; message: string }
  | { kind: "delivery"; error: Error };

/**
 * Follows a container's log until the container has terminated and every line is delivered.
 * A follow stream that drops or ends while the container still runs is resumed with sinceTime
 * from the cursor; once the container is done a last non-follow read collects anything a cut
 * stream missed. The cursor makes both exact: nothing lost, nothing repeated.
 */
export async function followPodLog(options: PodLogOptions): Promise<void> {
  const filter = new CursorFilter(options.cursor);
  let first = true;
  while (!options.signal.aborted) {
    const done = options.containerDone();
    if (!first) options.onResume?.();
    first = false;
    const end = await readOnce(options, filter, !done);
    if (end.kind === "delivery") throw end.error;
    if (options.signal.aborted) return;
    if (end.kind === "ended" && done) return;
    if (end.kind === "failed") {
      if (end.code === 404) return; // the pod is gone: nothing more can ever be read.
      // 400 "container is waiting to start" and transient errors: wait for the pod to move on.
      if (end.code !== 400) options.logger.warn({ pod: options.pod, code: end.code, err: end.message }, "log request failed; retrying");
    }
    await options.waitForChange(end.kind === "dropped" ? 200 : 1000);
  }
}

function readOnce(options: PodLogOptions, filter: CursorFilter, follow: boolean): Promise<ReadEnd> {
  filter.restart();
  const lines = new LogLines(filter, options.onLines);
  return new Promise<ReadEnd>((resolve) => {
    let controller: AbortController | undefined;
    let settled = false;
    const finish = (end: ReadEnd) => {
      if (settled) return;
      settled = true;
      options.signal.removeEventListener("abort", abort);
      controller?.abort();
      // Chunks of a cut stream still queued in `lines` are discarded: the resumed request reads them again.
      if (end.kind !== "ended") lines.destroy();
      // Lines already parsed are delivered before the next request starts from the cursor.
      lines.delivered.then(
        () => resolve(end),
        (error: Error) => resolve({ kind: "delivery", error }),
      );
    };
    const abort = () => controller?.abort();
    options.signal.addEventListener("abort", abort, { once: true });
    // client-node pipes the response into `lines` but leaves errors on the response unhandled
    // (an aborted or cut stream would crash the process): take them here.
    lines.on("pipe", (source: Readable) => source.on("error", () => finish({ kind: "dropped" })));
    lines.on("finish", () => finish({ kind: "ended" }));
    lines.on("error", (error) => finish({ kind: "delivery", error }));
    options.log
      .log(options.namespace, options.pod, options.container, lines, { follow, timestamps: true, sinceTime: sinceTime(filter.cursor) })
      .then(
        (c) => {
          controller = c;
          if (settled || options.signal.aborted) c.abort();
        },
        (err: unknown) => finish({ kind: "failed", ...apiError(err) }),
      );
  });
}
