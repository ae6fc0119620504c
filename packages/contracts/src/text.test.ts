import { describe, expect, it } from "vitest";
import { z } from "zod";
import { CreatePersona, CreateTask, createRunSchema, GenerateRequest, LegacyCreateTask, UpdatePersona } from "./index.ts";
import { storableText, text, unsafeTextReason } from "./text.ts";

describe("text fields", () => {
  it.each([
    ["a\u0000b", /NUL/],
    ["a\ud800b", /unpaired UTF-16 surrogates/],
    ["\udfff", /unpaired/],
    ["ok \ud83d\ude00", null],
    ["plain", null],
  ])("%j: %s", (value, reason) => {
    const got = unsafeTextReason(value);
    if (reason) expect(got).toMatch(reason);
    else expect(got).toBeNull();
  });

  it("refuse NUL and lone surrogates with the field's path, trim, and bound the length", () => {
    const schema = z.strictObject({ a: text({ max: 5 }), b: storableText(z.string()).optional() });
    expect(schema.safeParse({ a: "a\u0000b" }).error?.issues[0]).toMatchObject({ path: ["a"], message: expect.stringMatching(/NUL/) });
    expect(schema.safeParse({ a: "x", b: "\ud800" }).error?.issues[0]).toMatchObject({ path: ["b"] });
    expect(schema.safeParse({ a: "  " }).error?.issues[0]?.message).toBe("must not be empty");
    expect(schema.safeParse({ a: "abcdef" }).error?.issues[0]?.message).toBe("at most 5 characters");
    expect(schema.parse({ a: " ab " })).toEqual({ a: "ab" });
  });

  // Every text field of every request body: NUL and a lone surrogate are a 400 naming the field, never a 500 from the database.
  const persona = { id: "p-1", name: "N", emoji: "🔥", temperament: "calm", hook_prompt: "{input}", body_prompt: "{hook}" };
  const spec = { ...persona, description: "", hook_model: null, body_model: null };
  it.each([
    [CreateTask, { persona_id: "ai-jesus", input: "x" }, ["input"]],
    [LegacyCreateTask, { persona_id: "ai-jesus", task_type: "trend" }, ["task_type", "trend_snippet", "pain_statement"]],
    [CreatePersona, persona, ["name", "emoji", "description", "hook_prompt", "body_prompt", "hook_model", "body_model"]],
    [UpdatePersona, { name: "x" }, ["name", "description", "hook_model"]],
    [createRunSchema(), { repo_url: "https://github.com/a/b", prompt: "x" }, ["repo_url", "prompt"]],
    [GenerateRequest, { task_id: "01900000-0000-7000-8000-000000000123", persona: spec, input: "x" }, ["input"]],
  ] as const)("%#: every text field refuses them", (schema, valid, fields) => {
    expect((schema as z.ZodType).safeParse(valid).success).toBe(true);
    for (const field of fields) {
      for (const bad of ["a\u0000b {input} {hook}", "a\ud800b {input} {hook}"]) {
        const result = (schema as z.ZodType).safeParse({ ...valid, [field]: bad });
        expect(result.success, `${field} ${JSON.stringify(bad)}`).toBe(false);
        expect(result.error?.issues.map((i) => i.path.join("."))).toContain(field);
      }
    }
    if (schema === GenerateRequest) {
      const result = GenerateRequest.safeParse({ ...valid, persona: { ...spec, name: "a\u0000" } });
      expect(result.error?.issues[0]?.path).toEqual(["persona", "name"]);
    }
  });
});
