import { describe, expect, it } from "vitest";
import { createModelChoice } from "./model-choice.ts";

const choice = (config: Parameters<typeof createModelChoice>[0]) => createModelChoice(config);

describe("model choice per step", () => {
  it("writes offline without keys, and the key placeholder `test` counts as none", () => {
    for (const keys of [{}, { OPENAI_API_KEY: "test", ANTHROPIC_API_KEY: "test" }]) {
      expect(choice(keys).defaults).toEqual({
        hook: { model: "offline/hook", fallback: null },
        body: { model: "offline/body", fallback: null },
      });
    }
  });

  it("uses the default model of whichever provider has a key, the other one as fallback", () => {
    expect(choice({ OPENAI_API_KEY: "sk-a" }).defaults.hook).toEqual({ model: "openai/gpt-4o-mini", fallback: null });
    expect(choice({ ANTHROPIC_API_KEY: "sk-ant-a" }).defaults.body).toEqual({ model: "anthropic/claude-haiku-4-5", fallback: null });
    expect(choice({ OPENAI_API_KEY: "sk-a", ANTHROPIC_API_KEY: "sk-ant-a" }).defaults).toEqual({
      hook: { model: "openai/gpt-4o-mini", fallback: "anthropic/claude-haiku-4-5" },
      body: { model: "openai/gpt-4o-mini", fallback: "anthropic/claude-haiku-4-5" },
    });
  });

  it("lets the persona's model win, with the fallback that suits it", () => {
    const both = choice({ OPENAI_API_KEY: "sk-a", ANTHROPIC_API_KEY: "sk-ant-a" });
    expect(both.forStep("hook", "claude-sonnet-4-5")).toEqual({ model: "anthropic/claude-sonnet-4-5", fallback: "openai/gpt-4o-mini" });
    expect(both.forStep("body", "openai/gpt-4.1-mini")).toEqual({ model: "openai/gpt-4.1-mini", fallback: "anthropic/claude-haiku-4-5" });
  });

  it("takes configured models and fallbacks, `none` switching the fallback off", () => {
    const configured = choice({
      OPENAI_API_KEY: "sk-a",
      ANTHROPIC_API_KEY: "sk-ant-a",
      HOOK_MODEL: "gpt-4o",
      BODY_MODEL: "anthropic/claude-sonnet-4-5",
      HOOK_FALLBACK_MODEL: "openai/gpt-4o-mini",
      BODY_FALLBACK_MODEL: "none",
    });
    expect(configured.defaults).toEqual({
      hook: { model: "openai/gpt-4o", fallback: "openai/gpt-4o-mini" },
      body: { model: "anthropic/claude-sonnet-4-5", fallback: null },
    });
    // A fallback equal to the primary is no fallback.
    expect(configured.forStep("hook", "openai/gpt-4o-mini").fallback).toBeNull();
  });
});
