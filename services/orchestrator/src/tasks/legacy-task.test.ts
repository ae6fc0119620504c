import { describe, expect, it } from "vitest";
import { fromLegacy } from "./legacy-task.ts";

describe("fromLegacy", () => {
  it.each([
    [{ task_type: "trend", trend_snippet: "AI chips" }, "trend", "AI chips"],
    [{ task_type: "pain", pain_statement: "Can't sleep" }, "pain", "Can't sleep"],
    [{ task_type: "PAIN_POINT", pain_statement: "Can't sleep" }, "pain", "Can't sleep"],
    [{ task_type: "trend_post", trend_snippet: "AI chips", pain_statement: "ignored" }, "trend", "AI chips"],
    // Types the original clients used that name neither: the field sent decides.
    [{ task_type: "create_post", pain_statement: "Can't sleep" }, "pain", "Can't sleep"],
    [{ task_type: "create_post", trend_snippet: "AI chips" }, "trend", "AI chips"],
    [{ task_type: "create_post", trend_snippet: "AI chips", pain_statement: "Can't sleep" }, "trend", "AI chips"],
    // A type naming one kind with only the other field: use what was sent.
    [{ task_type: "pain", trend_snippet: "AI chips" }, "pain", "AI chips"],
  ])("%j → %s", (body, taskType, input) => {
    expect(fromLegacy({ persona_id: "ai-jesus", ...body })).toEqual({ persona_id: "ai-jesus", task_type: taskType, input });
  });

  it("leaves the input out when the original minimal body names none (the persona picks a topic)", () => {
    expect(fromLegacy({ persona_id: "ai-jesus", task_type: "create_post" })).toEqual({ persona_id: "ai-jesus", task_type: "trend" });
    expect(fromLegacy({ persona_id: "ai-jesus", task_type: "pain" })).toEqual({ persona_id: "ai-jesus", task_type: "pain" });
  });
});
