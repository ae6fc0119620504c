// Turns what an agent printed into display lines. Protocol events (AgentEvent JSON) become their
// text; anything else (a stack trace on stderr, git noise) is kept verbatim as `output`, so the
// user always sees why something went wrong.
import { AgentEvent } from "@threads-agent/contracts";
import { redactSecrets } from "@threads-agent/observability";
import type { OutputLine } from "./backends/backend.ts";

/** Longer lines are cut for display (the agent's diff travels whole in its result event). */
export const MAX_LINE_CHARS = 8 * 1024;
/** JSON lines longer than this are not parsed (a result with a huge diff is refused, not half-read). */
const MAX_EVENT_CHARS = 2 * 1024 * 1024;

export type AgentResult = Extract<AgentEvent, { type: "result" }>;
export type AgentVerification = Extract<AgentEvent, { type: "verification" }>;
export type AgentShipped = Extract<AgentEvent, { type: "shipped" }>;

export type DisplayLine = {
  ts: Date;
  kind: "log" | "thought" | "result" | "error" | "verification" | "shipped" | "output";
  line: string;
  result?: AgentResult;
  error?: { code: string; message: string };
  verification?: AgentVerification;
  shipped?: AgentShipped;
};

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One line a person reads: "verification (baseline): npm test failed (1 passed, 1 failed) in 0.5 s". */
export function verificationLine(e: AgentVerification): string {
  if (e.checks.length === 0) return `verification (${e.phase}): no checks ran${e.skipped ? `: ${e.skipped}` : ""}`;
  const checks = e.checks.map((c) => {
    const counts = c.tests ? ` (${c.tests.passed ?? "?"} passed, ${c.tests.failed} failed)` : "";
    const exit = c.status === "failed" && c.exit_code !== null ? `, exit ${c.exit_code}` : "";
    return `${c.command} ${c.status}${counts}${exit} in ${seconds(c.duration_ms)}`;
  });
  return `verification (${e.phase}): ${checks.join("; ")}`;
}

function clip(text: string): string {
  const clean = redactSecrets(text);
  return clean.length > MAX_LINE_CHARS ? `${clean.slice(0, MAX_LINE_CHARS)} … [${clean.length - MAX_LINE_CHARS} more characters]` : clean;
}

export function toDisplayLine(raw: OutputLine, variation: number): DisplayLine {
  const text = raw.text;
  if (text.startsWith("{") && text.length <= MAX_EVENT_CHARS) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    const event = AgentEvent.safeParse(parsed);
    if (event.success && event.data.variation === variation) {
      const e = event.data;
      // The agent's own timestamp is when it printed the line; more precise than when it was read.
      const ts = new Date(e.ts);
      switch (e.type) {
        case "log":
        case "thought":
          return { ts, kind: e.type, line: clip(e.line) };
        case "result":
          return { ts, kind: "result", line: clip(`result: ${e.summary.split("\n")[0] ?? ""}`), result: e };
        case "error":
          return { ts, kind: "error", line: clip(`error: ${e.message}`), error: { code: e.code, message: redactSecrets(e.message) } };
        case "verification":
          return { ts, kind: "verification", line: clip(verificationLine(e)), verification: redactVerification(e) };
        case "shipped":
          return { ts, kind: "shipped", line: clip(`shipped: ${e.branch} at ${e.commit.slice(0, 12)} (on ${e.base})`), shipped: e };
      }
    }
  }
  return { ts: raw.ts, kind: "output", line: clip(text) };
}

/** Check output is the repository's own: redacted like any other line before it is stored. */
function redactVerification(e: AgentVerification): AgentVerification {
  return {
    ...e,
    checks: e.checks.map((c) => ({ ...c, output_tail: redactSecrets(c.output_tail), note: c.note && redactSecrets(c.note) })),
  };
}
