import { describe, expect, it } from "vitest";
import { modelIdProblem, parseModelId } from "./model-id.ts";

describe("parseModelId", () => {
  it("reads provider/model", () => {
    expect(parseModelId("openai/gpt-4o-mini")).toEqual({ provider: "openai", name: "gpt-4o-mini", id: "openai/gpt-4o-mini" });
    expect(parseModelId("Anthropic/claude-haiku-4-5").id).toBe("anthropic/claude-haiku-4-5");
    expect(parseModelId("offline/hook").provider).toBe("offline");
  });

  it("infers the provider of well-known bare names", () => {
    expect(parseModelId("gpt-4o").id).toBe("openai/gpt-4o");
    expect(parseModelId("claude-sonnet-4-5").id).toBe("anthropic/claude-sonnet-4-5");
  });

  it("explains what is wrong", () => {
    expect(modelIdProblem("llama3")).toMatch(/does not say its provider.*provider\/model/);
    expect(modelIdProblem("mistral/large")).toMatch(/unknown provider "mistral"/);
    expect(modelIdProblem("openai/")).toMatch(/invalid model name/);
    expect(modelIdProblem("openai/gpt-4o")).toBeNull();
  });
});
