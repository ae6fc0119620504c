import { describe, expect, it } from "vitest";
import { costUsd, PRICE_TABLES, type PriceTable, priceOf, priceTableAt } from "./pricing.ts";

describe("price table", () => {
  it("is versioned and dated", () => {
    for (const table of PRICE_TABLES) {
      expect(table.version).toMatch(/^\d{4}-\d{2}-\d{2}/);
      expect(table.effectiveFrom).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(table.currency).toBe("USD");
      for (const price of Object.values(table.models)) {
        expect(price.input).toBeGreaterThan(0);
        expect(price.output).toBeGreaterThanOrEqual(price.input);
      }
    }
  });

  it("prices a call in USD per million tokens", () => {
    expect(costUsd("openai/gpt-4o-mini", { inputTokens: 1_000_000, outputTokens: 0 })).toBe(0.15);
    expect(costUsd("openai/gpt-4o-mini", { inputTokens: 1000, outputTokens: 500 })).toBe(0.00045);
  });

  it("costs nothing offline and leaves unknown models unpriced", () => {
    expect(costUsd("offline/hook", { inputTokens: 5000, outputTokens: 5000 })).toBe(0);
    expect(costUsd("openai/some-future-model", { inputTokens: 10, outputTokens: 10 })).toBeUndefined();
  });

  it("prices dated snapshots as their family, never a shorter lookalike", () => {
    expect(priceOf("openai/gpt-4o-mini-2024-07-18")?.model).toBe("openai/gpt-4o-mini");
    expect(priceOf("openai/gpt-4o-2024-08-06")?.model).toBe("openai/gpt-4o");
    expect(priceOf("anthropic/claude-sonnet-4-5-20250929")?.model).toBe("anthropic/claude-sonnet-4-5");
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
