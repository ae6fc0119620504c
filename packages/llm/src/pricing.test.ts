import { describe, expect, it } from "vitest";
import { costUsd, FREE_MODELS, PRICE_TABLES, type PriceTable, priceOf, priceTableAt } from "./pricing.ts";

describe("price table", () => {
  it("is versioned and dated", () => {
    for (const table of PRICE_TABLES) {
      expect(table.version).toMatch(/^\d{4}-\d{2}-\d{2}/);
      expect(table.effectiveFrom).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(table.currency).toBe("USD");
      expect(table.source.length).toBeGreaterThan(20);
      for (const [model, price] of Object.entries(table.models)) {
        if (FREE_MODELS.has(model)) {
          expect(price).toEqual({ input: 0, output: 0 });
          continue;
        }
        expect(price.input, model).toBeGreaterThan(0);
        expect(price.output, model).toBeGreaterThanOrEqual(price.input);
      }
    }
  });

  it("keeps old tables as they were: a newer table only adds or changes by version", () => {
    const versions = PRICE_TABLES.map((t) => t.version);
    expect(new Set(versions).size).toBe(versions.length);
    expect(PRICE_TABLES.map((t) => t.effectiveFrom)).toEqual([...PRICE_TABLES.map((t) => t.effectiveFrom)].sort());
    expect(PRICE_TABLES[0]?.models["openai/gpt-4o-mini"]).toEqual({ input: 0.15, output: 0.6 });
    expect(PRICE_TABLES.at(-1)?.verifiedOn).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it("prices moderation at zero", () => {
    expect(priceOf("openai/omni-moderation-latest")).toMatchObject({ input: 0, output: 0 });
    expect(priceOf("openai/omni-moderation-2024-09-26")?.model).toBe("openai/omni-moderation");
  });

  it("prices a call in USD per million tokens", () => {
    expect(costUsd("openai/gpt-4o-mini", { inputTokens: 1_000_000, outputTokens: 0 })).toBe(0.15);
    expect(costUsd("openai/gpt-4o-mini", { inputTokens: 1000, outputTokens: 500 })).toBe(0.00045);
    // Exact to the tokens: one input token of gpt-4o-mini is 1.5e-7 USD.
    expect(costUsd("openai/gpt-4o-mini", { inputTokens: 142, outputTokens: 23 })).toBe(0.0000351);
  });

  it("costs nothing offline and leaves unknown models unpriced", () => {
    expect(costUsd("offline/hook", { inputTokens: 5000, outputTokens: 5000 })).toBe(0);
    expect(costUsd("openai/some-future-model", { inputTokens: 10, outputTokens: 10 })).toBeUndefined();
  });

  it("prices dated snapshots as their family, never a shorter lookalike", () => {
    expect(priceOf("openai/gpt-4o-mini-2024-07-18")?.model).toBe("openai/gpt-4o-mini");
    expect(priceOf("openai/gpt-4o-2024-08-06")?.model).toBe("openai/gpt-4o");
    expect(priceOf("anthropic/claude-sonnet-4-5-20250929")?.model).toBe("anthropic/claude-sonnet-4-5");
    expect(priceOf("anthropic/claude-haiku-4-5-20251001")?.model).toBe("anthropic/claude-haiku-4-5");
    // A different model that merely starts like a listed one is not priced as it.
    expect(priceOf("anthropic/claude-opus-5-5")).toBeUndefined();
    expect(priceOf("openai/gpt-5.4-mini-2026-03-17")?.model).toBe("openai/gpt-5.4-mini");
  });

  it("uses the table in force at the time of the call", () => {
    const tables: PriceTable[] = [
      { ...PRICE_TABLES[0]!, version: "v1", effectiveFrom: "2025-01-01", models: { "openai/x": { input: 1, output: 1 } } },
      { ...PRICE_TABLES[0]!, version: "v2", effectiveFrom: "2026-01-01", models: { "openai/x": { input: 2, output: 2 } } },
    ];
    expect(priceTableAt(new Date("2025-06-01"), tables).version).toBe("v1");
    expect(priceTableAt(new Date("2026-03-01"), tables).version).toBe("v2");
    expect(priceTableAt(new Date("2020-01-01"), tables).version).toBe("v1");
    expect(costUsd("openai/x", { inputTokens: 1_000_000, outputTokens: 0 }, new Date("2026-03-01"), tables)).toBe(2);
  });
});
