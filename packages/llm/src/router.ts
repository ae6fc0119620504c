import { isLlmError, LlmError } from "./errors.ts";
import { type ModelRef, type ProviderName, parseModelId } from "./model-id.ts";
import { createOfflineProvider, type OfflineProviderOptions } from "./offline/provider.ts";
import { costAtPrice, priceOf } from "./pricing.ts";
import type { Completion, CompletionRequest, LlmProvider } from "./types.ts";

export type LlmRouterOptions = {
  /** Providers with a usable key; a model of a provider missing here is served offline. */
  providers?: Partial<Record<Exclude<ProviderName, "offline">, LlmProvider>>;
  offline?: OfflineProviderOptions;
  /** Clock for the price table's date; tests pin it. */
  now?: () => Date;
};

export type Route = { model: ModelRef; provider: LlmProvider; reason: string };

export type LlmRouter = {
  /** Which provider would serve `model`, and why; throws LlmError "unknown_model" for a bad id. */
  route(model: string): Route;
  complete(request: CompletionRequest): Promise<Completion>;
};

/** A key is usable unless it is missing or the conventional placeholder `test`. */
export function isUsableKey(key: string | undefined | null): key is string {
  return typeof key === "string" && key.trim() !== "" && key.trim() !== "test";
}

/**
 * Routes each call to the provider its `provider/model` id names, measures it and prices it.
 * Callers only ever see this; providers (and later fallbacks and retries) change behind it.
 */
export function createLlmRouter(options: LlmRouterOptions = {}): LlmRouter {
  const offline = createOfflineProvider(options.offline);
  const now = options.now ?? (() => new Date());

  const route = (modelId: string): Route => {
    const model = parseModelId(modelId);
    if (model.provider === "offline") return { model, provider: offline, reason: "primary" };
    const provider = options.providers?.[model.provider];
    if (provider) return { model, provider, reason: "primary" };
    return { model, provider: offline, reason: `offline: no ${model.provider} key configured` };
  };

  return {
    route,
    async complete(request) {
      const { model, provider, reason } = route(request.model);
      const timeout = request.timeoutMs ? AbortSignal.timeout(request.timeoutMs) : undefined;
      const signals = [request.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
      const signal = signals.length ? AbortSignal.any(signals) : new AbortController().signal;
      const started = performance.now();
      let answer: Awaited<ReturnType<LlmProvider["complete"]>>;
      try {
        answer = await provider.complete({ ...request, model: model.name, signal });
      } catch (err) {
        const details = { provider: provider.name, model: model.id, cause: err };
        // The caller's own abort wins over a timeout that fired at the same moment.
        if (request.signal?.aborted) throw new LlmError("aborted", `call to ${model.id} was aborted`, details);
        if (timeout?.aborted) throw new LlmError("timeout", `${model.id} did not answer within ${request.timeoutMs} ms`, details);
        if (isLlmError(err)) throw err;
        throw new LlmError("provider_error", `${model.id} failed: ${err instanceof Error ? err.message : String(err)}`, details);
      }
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      const served = `${provider.name}/${answer.model}`;
      const price = priceOf(served, now()) ?? priceOf(model.id, now());
      // An unpriced model costs 0 here; priceVersion null lets callers flag it.
      const costUsd = price ? costAtPrice(price, answer.usage) : 0;
      return {
        text: answer.text,
        usage: answer.usage,
        provider: provider.name,
        model: served,
        requestedModel: model.id,
        latencyMs,
        costUsd,
        priceVersion: price?.version ?? null,
        finishReason: answer.finishReason,
        reason,
      };
    },
  };
}
