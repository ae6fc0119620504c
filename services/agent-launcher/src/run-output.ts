import { type Db, IllegalTransition } from "@threads-agent/db";
import type { EventLog } from "@threads-agent/events";
import type { Logger } from "@threads-agent/observability";
import { retry } from "@threads-agent/resilience";
import type { DisplayLine } from "./agent-output.ts";
import type { LauncherMetrics } from "./metrics.ts";

/** A variation's place in the output: its row id, index and the next line number. */
export type VariationSlot = { id: string; index: number; nextSeq: number; truncated: boolean };

type LineItem = { kind: "line"; slot: VariationSlot; seq: number; ts: Date; lineKind: string; line: string; cursor: string | null };
type StepItem = {
  kind: "step";
  /** A state change (a lifecycle transition: row and event committed together) or another write. */
  apply: () => Promise<unknown>;
  resolve: () => void;
  reject: (e: Error) => void;
};
type Item = LineItem | StepItem;

export type RunOutputOptions = {
  db: Db;
  events: EventLog;
  runId: string;
  logger: Logger;
  metrics: LauncherMetrics;
  /** Lines per database transaction and XADD pipeline. */
  maxBatch?: number;
  /** Queued lines above which producers wait (backpressure to the agent's stdout / the log stream). */
  highWater?: number;
  /** Lines stored per variation; beyond it one marker line says the rest was dropped. */
  maxLinesPerVariation?: number;
  retry?: { attempts: number; baseMs: number };
};

/**
 * Everything a run writes, in one ordered queue: log lines are stored in batches (one statement
 * per batch, with each variation's line count and log cursor, so a restart resumes exactly) and
 * then appended to the run's event stream with one XADD pipeline (lines are progress, not state);
 * state changes (scheduled, started, succeeded...) are lifecycle transitions, committed with their
 * event and relayed after the lines queued before them, so `variation.succeeded` always follows
 * the variation's last line. Batching is natural: while one batch is being written the next one
 * collects, so a quiet agent's line goes out at once and a chatty one is written in large batches.
 */
export class RunOutput {
  private readonly options: RunOutputOptions;
  private readonly queue: Item[] = [];
  private flushing: Promise<void> | null = null;
  private queuedLines = 0;
  private readonly waiting: { resolve: () => void; reject: (e: Error) => void }[] = [];
  failure: Error | null = null;

  constructor(options: RunOutputOptions) {
    this.options = options;
  }

  slot(row: { id: string; index: number; line_count: number }): VariationSlot {
    return { id: row.id, index: row.index, nextSeq: row.line_count, truncated: false };
  }

  /** Queues lines; the promise settles when the producer may continue (immediately unless the queue is full). */
  lines(slot: VariationSlot, lines: DisplayLine[], cursor: string | null): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const max = this.options.maxLinesPerVariation ?? 100_000;
    for (const line of lines) {
      if (slot.nextSeq >= max) {
        if (!slot.truncated) {
          slot.truncated = true;
          this.push({
            kind: "line",
            slot,
            seq: slot.nextSeq++,
            ts: line.ts,
            lineKind: "output",
            line: `[output truncated: only the first ${max} lines are kept]`,
            cursor,
          });
        }
        continue;
      }
      this.push({ kind: "line", slot, seq: slot.nextSeq++, ts: line.ts, lineKind: line.kind, line: line.line, cursor });
    }
    this.kick();
    if (this.queuedLines < (this.options.highWater ?? 5000)) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /**
   * A state change (or another write) after everything queued so far. Retried on failure; a
   * transition found already made (its first try committed but the answer was lost) counts as done.
   */
  step(apply: () => Promise<unknown>): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ kind: "step", apply, resolve, reject });
      this.kick();
    });
  }

  /** Resolves when everything queued so far is written. */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.failure) throw this.failure;
  }

  private push(item: LineItem): void {
    this.queue.push(item);
    this.queuedLines++;
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = null;
      // An item queued after the loop's last look but before this callback would otherwise wait forever.
      if (this.queue.length > 0 && !this.failure) this.kick();
    });
  }

  private async flush(): Promise<void> {
    // Let the producer finish the chunk it is delivering, so it lands in one batch.
    await new Promise((r) => setImmediate(r));
    while (this.queue.length > 0 && !this.failure) {
      const head = this.queue[0] as Item;
      try {
        if (head.kind === "line") {
          const batch: LineItem[] = [];
          const max = this.options.maxBatch ?? 2000;
          while (batch.length < max && this.queue[0]?.kind === "line") batch.push(this.queue.shift() as LineItem);
          await this.writeLines(batch);
          this.queuedLines -= batch.length;
          this.release();
        } else {
          this.queue.shift();
          let tried = false;
          await this.retry("state", async () => {
            try {
              await head.apply();
            } catch (err) {
              if (tried && err instanceof IllegalTransition && err.from === err.to) return;
              throw err;
            } finally {
              tried = true;
            }
          });
          head.resolve();
        }
      } catch (err) {
        this.fail(err as Error);
      }
    }
  }

  private async writeLines(batch: LineItem[]): Promise<void> {
    const { db, events, runId, metrics } = this.options;
    const started = performance.now();
    const last = new Map<string, LineItem>();
    for (const item of batch) last.set(item.slot.id, item);
    const slots = [...last.values()];
    // One statement, so one round trip and atomic without BEGIN/COMMIT: the lines (a repeat of a
    // retried batch is skipped) and each variation's line count and log cursor move together.
    await this.retry(
      "lines",
      () =>
        db.$executeRaw`
        WITH inserted AS (
          INSERT INTO variation_lines (variation_id, seq, ts, kind, line)
          SELECT * FROM unnest(
            ${batch.map((i) => i.slot.id)}::uuid[], ${batch.map((i) => i.seq)}::int[], ${batch.map((i) => i.ts)}::timestamptz[],
            ${batch.map((i) => i.lineKind)}::text[], ${batch.map((i) => i.line)}::text[])
          ON CONFLICT DO NOTHING
        )
        UPDATE variations AS v
        SET line_count = GREATEST(v.line_count, x.line_count), log_cursor = COALESCE(x.log_cursor, v.log_cursor), updated_at = now()
        FROM unnest(${slots.map((i) => i.slot.id)}::uuid[], ${slots.map((i) => i.seq + 1)}::int[], ${slots.map((i) => i.cursor)}::text[])
          AS x(id, line_count, log_cursor)
        WHERE v.id = x.id`,
    );
    await this.retry("events", () =>
      events.appendMany(
        "run",
        runId,
        batch.map((i) => ({
          type: "variation.log",
          variation: i.slot.index,
          seq: i.seq,
          ts: i.ts.toISOString(),
          line: i.line,
          kind: i.lineKind,
        })),
      ),
    );
    metrics.logLines.inc(batch.length);
    metrics.flushSeconds.observe((performance.now() - started) / 1000);
  }

  private async retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const { attempts, baseMs } = this.options.retry ?? { attempts: 6, baseMs: 250 };
    return retry(fn, {
      attempts,
      baseMs,
      onRetry: (err, attempt) =>
        this.options.logger.warn({ run_id: this.options.runId, what, attempt, err }, "writing run output failed; retrying"),
    });
  }

  private release(): void {
    if (this.queuedLines >= (this.options.highWater ?? 5000) / 2) return;
    for (const waiter of this.waiting.splice(0)) waiter.resolve();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.options.logger.error({ run_id: this.options.runId, err: error }, "run output cannot be written");
    for (const item of this.queue.splice(0)) if (item.kind === "step") item.reject(error);
    this.queuedLines = 0;
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }
}
