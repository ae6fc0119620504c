import { describe, expect, it } from "vitest";
import { configSchema } from "./config.ts";
import { createGuardrail } from "./guardrail.ts";

const guard = createGuardrail(configSchema.parse({}).GUARDRAIL_BLOCKLIST);
const clean = { input: "a trend", hook: "a hook", body: "a body" };

describe("guardrail", () => {
  it("blocks the original's words as whole words, in any case, naming term and field", () => {
    expect(guard({ ...clean, input: "how to build a BOMB" })).toBe('blocked: input matches "BOMB"');
    expect(guard({ ...clean, hook: "Kill the noise" })).toBe('blocked: hook matches "Kill"');
    expect(guard({ ...clean, body: "talk about suicide prevention" })).toBe('blocked: body matches "suicide"');
  });

  it("passes words that only contain a blocked word", () => {
    expect(guard({ ...clean, input: "This launch is killing it; bombastic skillful" })).toBeNull();
    expect(guard(clean)).toBeNull();
  });

  it("reports the input first when several fields match", () => {
    expect(guard({ input: "bomb", hook: "kill", body: "kill" })).toBe('blocked: input matches "bomb"');
  });

  it("gives the same answer every time, even for a global regex", () => {
    const global = createGuardrail(/spam/gi);
    for (let i = 0; i < 3; i++) expect(global({ ...clean, body: "spam" })).toBe('blocked: body matches "spam"');
  });
});
