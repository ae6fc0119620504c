import type { TaskEvent } from "@threads-agent/contracts";
import { describe, expect, it } from "vitest";
import { coalesceDeltas } from "./content.ts";

describe("coalesceDeltas", () => {
  it("merges consecutive deltas of one step and keeps everything else in order", () => {
    const events: TaskEvent[] = [
      { type: "step.started", step: "hook" },
      { type: "step.delta", step: "hook", text: "Rest " },
      { type: "step.delta", step: "hook", text: "is " },
      { type: "step.delta", step: "hook", text: "holy." },
      { type: "step.completed", step: "hook", ms: 3, tokens: 9 },
      { type: "step.delta", step: "body", text: "Take " },
      { type: "step.delta", step: "body", text: "the day." },
    ];
    expect(coalesceDeltas(events)).toEqual([
      { type: "step.started", step: "hook" },
      { type: "step.delta", step: "hook", text: "Rest is holy." },
      { type: "step.completed", step: "hook", ms: 3, tokens: 9 },
      { type: "step.delta", step: "body", text: "Take the day." },
    ]);
  });

  it("never merges across steps", () => {
    const events: TaskEvent[] = [
      { type: "step.delta", step: "hook", text: "a" },
      { type: "step.delta", step: "body", text: "b" },
    ];
    expect(coalesceDeltas(events)).toEqual(events);
  });
});
