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

export type DisplayLine = {
  ts: Date;
  kind: "log" | "thought" | "result" | "error" | "output";
  line: string;
  result?: AgentResult;
  error?: { code: string; message: string };
};

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
      }
    }
  }
  return { ts: raw.ts, kind: "output", line: clip(text) };
}
