import type { AgentEvent, CheckResult, LlmCallRecord, Usage, VerificationPhase, VerificationSummary } from "@threads-agent/contracts";

/** Returns false when the text was buffered (a full pipe): the emitter then waits for "drain". */
type Write = (text: string) => unknown;
type Body = AgentEvent extends infer E ? (E extends AgentEvent ? Omit<E, "variation" | "seq" | "ts"> : never) : never;

export type Emitter = {
  /** One event per line of `text`, so each display line has its own seq. */
  log(text: string): Promise<void>;
  thought(text: string): Promise<void>;
  result(result: {
    summary: string;
    diff: string;
    model: string;
    usage: Usage;
    calls: LlmCallRecord[];
    confidence?: number | null;
    verification?: VerificationSummary;
  }): Promise<void>;
  error(code: string, message: string): Promise<void>;
  verification(phase: VerificationPhase, checks: CheckResult[], durationMs: number, skipped: string | null): Promise<void>;
  shipped(shipped: { branch: string; commit: string; repo_url: string; base: string }): Promise<void>;
  /** Resolves once everything written so far has reached stdout (call before process.exit). */
  flush(): Promise<void>;
  readonly count: number;
};

/**
 * Writes the agent's stdout protocol: one JSON object per line, numbered per variation. stdout is a
 * pipe (local backend) or the container log (Kubernetes); both are line-oriented, so each event is
 * written in one call. Writes to a pipe are asynchronous: each event waits while the pipe is full
 * (the reader's backpressure) and flush() waits for the rest, so nothing is lost at exit.
 * `paceMs` spaces lines out for demos.
 */
export function createEmitter(options: { variation: number; write?: Write; paceMs?: number; now?: () => Date }): Emitter {
  const write: Write = options.write ?? ((text) => process.stdout.write(text));
  const drained = () => new Promise<void>((resolve) => process.stdout.once("drain", () => resolve()));
  const now = options.now ?? (() => new Date());
  const pace = options.paceMs ?? 0;
  let seq = 0;

  const emit = async (body: Body) => {
    const accepted = write(`${JSON.stringify({ ...body, variation: options.variation, seq: seq++, ts: now().toISOString() })}\n`);
    if (accepted === false && !options.write) await drained();
    if (pace > 0) await new Promise((r) => setTimeout(r, pace));
  };
  const lines = async (type: "log" | "thought", text: string) => {
    for (const line of text.split("\n")) await emit({ type, line });
  };

  return {
    log: (text) => lines("log", text),
    thought: (text) => lines("thought", text),
    result: (result) => emit({ type: "result", ...result }),
    error: (code, message) => emit({ type: "error", code, message }),
    verification: (phase, checks, durationMs, skipped) => emit({ type: "verification", phase, checks, duration_ms: durationMs, skipped }),
    shipped: (shipped) => emit({ type: "shipped", ...shipped }),
    flush: () => (options.write ? Promise.resolve() : new Promise<void>((resolve) => process.stdout.write("", () => resolve()))),
    get count() {
      return seq;
    },
  };
}
