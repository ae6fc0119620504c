import type { TokenUsage } from "./types.ts";

/** USD per million tokens. */
export type ModelPrice = { input: number; output: number };

export type PriceTable = {
  /** Recorded with every cost, so old costs stay explainable after prices change. */
  version: string;
  /** ISO date from which this table applies. */
  effectiveFrom: string;
  currency: "USD";
  unit: "per_million_tokens";
  source: string;
  /** Keys are canonical `provider/model` ids; dated snapshots match by prefix (see priceOf). */
  models: Record<string, ModelPrice>;
};

/**
 * Price tables, oldest first. Prices change: add a new table with a new version and date rather
 * than editing an old one, so costs recorded earlier can still be reproduced.
 */
export const PRICE_TABLES: readonly PriceTable[] = [
  {
    version: "2025-11-01",
    effectiveFrom: "2025-11-01",
    currency: "USD",
    unit: "per_million_tokens",
    source: "OpenAI and Anthropic public list prices (standard tier, uncached input), as published in November 2025",
    models: {
      "openai/gpt-4o": { input: 2.5, output: 10 },
      "openai/gpt-4o-mini": { input: 0.15, output: 0.6 },
      "openai/gpt-4.1": { input: 2, output: 8 },
      "openai/gpt-4.1-mini": { input: 0.4, output: 1.6 },
      "openai/gpt-4.1-nano": { input: 0.1, output: 0.4 },
      "openai/gpt-5": { input: 1.25, output: 10 },
      "openai/gpt-5-mini": { input: 0.25, output: 2 },
      "openai/gpt-5-nano": { input: 0.05, output: 0.4 },
      "openai/o4-mini": { input: 1.1, output: 4.4 },
      "anthropic/claude-3-5-haiku": { input: 0.8, output: 4 },
      "anthropic/claude-haiku-4-5": { input: 1, output: 5 },
      "anthropic/claude-sonnet-4": { input: 3, output: 15 },
      "anthropic/claude-sonnet-4-5": { input: 3, output: 15 },
      "anthropic/claude-opus-4-1": { input: 15, output: 75 },
    },
  },
];

/** The table in force at `at` (the newest whose effectiveFrom is not after it). */
export function priceTableAt(at: Date = new Date(), tables: readonly PriceTable[] = PRICE_TABLES): PriceTable {
  const day = at.toISOString().slice(0, 10);
  let current: PriceTable | undefined;
  for (const table of tables) if (table.effectiveFrom <= day && (!current || table.effectiveFrom >= current.effectiveFrom)) current = table;
  // Before the first table there is no better answer than the oldest one.
  return current ?? tables[0]!;
}

export type PriceQuote = ModelPrice & { version: string; model: string };

/**
 * Price of a `provider/model` id. Offline models are free. A dated snapshot
 * (`openai/gpt-4o-mini-2024-07-18`) uses its family's price: the longest listed id it starts with,
 * followed by "-".
 */
export function priceOf(modelId: string, at?: Date, tables?: readonly PriceTable[]): PriceQuote | undefined {
  const table = priceTableAt(at, tables);
  if (modelId.startsWith("offline/")) return { input: 0, output: 0, version: table.version, model: modelId };
  const exact = table.models[modelId];
  if (exact) return { ...exact, version: table.version, model: modelId };
  let best: string | undefined;
  for (const listed of Object.keys(table.models)) {
    if (modelId.startsWith(`${listed}-`) && (!best || listed.length > best.length)) best = listed;
  }
  return best ? { ...table.models[best]!, version: table.version, model: best } : undefined;
}

/** USD cost of a call, or undefined when the model has no price (callers record 0 and warn). */
export function costUsd(modelId: string, usage: TokenUsage, at?: Date, tables?: readonly PriceTable[]): number | undefined {
  const price = priceOf(modelId, at, tables);
  return price ? costAtPrice(price, usage) : undefined;
}

export function costAtPrice(price: ModelPrice, usage: TokenUsage): number {
  const usd = (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
  // Micro-dollar precision: enough for per-call costs, and sums stay free of float noise.
  return Math.round(usd * 1e6) / 1e6;
}
