import { LlmError } from "./errors.ts";
import { type ModelRef, type ProviderName, parseModelId } from "./model-id.ts";
import { createOfflineProvider, type OfflineProviderOptions } from "./offline/provider.ts";
import { costAtPrice, priceOf } from "./pricing.ts";
import { type AttemptReport, DEFAULT_RETRY_POLICY, describeFailure, type RetryPolicy, servedReason, withRetries } from "./retry.ts";
import type { Completion, CompletionRequest, LlmProvider, ProviderCompletion } from "./types.ts";

export type LlmRouterOptions = {
  /** Providers with a usable key; a model of a provider missing here is served offline. */
  providers?: Partial<Record<Exclude<ProviderName, "offline">, LlmProvider>>;
  offline?: OfflineProviderOptions;
  /** Retries on the same model; defaults to DEFAULT_RETRY_POLICY. */
  retry?: Partial<RetryPolicy>;
  /** Sees every attempt of every call (metrics); per-call hooks come through the request. */
  onAttempt?: (report: AttemptReport) => void;
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
 * Routes each call to the provider its `provider/model` id names; retries transient failures on
 * the same model, falls back to the request's fallback model when the provider cannot serve, and
 * measures and prices the call. Callers only ever see this; providers change behind it.
 */
export function createLlmRouter(options: LlmRouterOptions = {}): LlmRouter {
  const offline = createOfflineProvider(options.offline);
  const now = options.now ?? (() => new Date());
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };

  const route = (modelId: string): Route => {
    const model = parseModelId(modelId);
    if (model.provider === "offline") return { model, provider: offline, reason: "primary" };
    const provider = options.providers?.[model.provider];
    if (provider) return { model, provider, reason: "primary" };
    return { model, provider: offline, reason: `offline: no ${model.provider} key configured` };
  };

  /** The fallback route, or null when there is none worth taking. */
  const fallbackRoute = (primary: Route, fallbackModel: string | null | undefined): Route | null => {
    if (!fallbackModel) return null;
    const candidate = route(fallbackModel);
    if (candidate.model.id === primary.model.id) return null;
    // A primary served offline never fails for provider reasons; a fallback without a key would
    // publish template text in place of a real post, which nobody asked for.
    if (primary.provider === offline) return null;
    if (candidate.provider === offline && candidate.model.provider !== "offline") return null;
    return candidate;
  };

  /** One model, with its retries; resolves with the completion or rejects with the last LlmError. */
  const serve = async (
    chosen: Route,
    request: CompletionRequest,
    baseReason: string,
    hasFallback: boolean,
    // Whether the current attempt streamed text to the caller; read by complete() after a failure.
    attemptState: { streamed: boolean } = { streamed: false },
  ): Promise<Completion> => {
    const onDelta = request.onDelta
      ? (text: string) => {
          attemptState.streamed = true;
          request.onDelta?.(text);
        }
      : undefined;
    const step = request.purpose?.step;
    const result = await withRetries<ProviderCompletion>(
      (signal) => {
        attemptState.streamed = false;
        const { fallbackModel: _f, onRestart: _r, onAttempt: _a, timeoutMs: _t, ...rest } = request;
        return chosen.provider.complete({ ...rest, model: chosen.model.name, signal, ...(onDelta ? { onDelta } : {}) });
      },
      {
        provider: chosen.provider.name,
        model: chosen.model.id,
        policy,
        timeoutMs: request.timeoutMs,
        signal: request.signal,
        hasFallback,
        step,
        onAttempt: (report) => {
          options.onAttempt?.(report);
          request.onAttempt?.(report);
        },
        beforeRetry: (err) => {
          if (!attemptState.streamed) return true;
          if (!request.onRestart) return false;
          request.onRestart({ reason: `retrying ${chosen.model.id} after ${describeFailure(err)}`, model: chosen.model.id });
          return true;
        },
      },
    );
    const answer = result.value;
    const served = `${chosen.provider.name}/${answer.model}`;
    const price = priceOf(served, now()) ?? priceOf(chosen.model.id, now());
    // An unpriced model costs 0 here; priceVersion null lets callers flag it.
    const costUsd = price ? costAtPrice(price, answer.usage) : 0;
    return {
      text: answer.text,
      usage: answer.usage,
      provider: chosen.provider.name,
      model: served,
      requestedModel: chosen.model.id,
      latencyMs: result.latencyMs,
      costUsd,
      priceVersion: price?.version ?? null,
      finishReason: answer.finishReason,
      reason: servedReason(baseReason, result.failures),
      attempts: result.attempts,
      fallbackFrom: null,
      toolCalls: answer.toolCalls ?? [],
    };
  };

  return {
    route,
    async complete(request) {
      const primary = route(request.model);
      const fallback = fallbackRoute(primary, request.fallbackModel);
      const started = performance.now();
      const primaryAttempt = { streamed: false };
      try {
        return await serve(primary, request, primary.reason, fallback !== null, primaryAttempt);
      } catch (caught) {
        const err = caught as LlmError;
        if (!fallback || !err.fallbackEligible || request.signal?.aborted) throw err;
        // Text of the failed model already reached the caller: it must be able to take it back.
        if (primaryAttempt.streamed) {
          if (!request.onRestart) throw err;
          request.onRestart({
            reason: `${primary.model.id} failed (${describeFailure(err)}); ${fallback.model.id} takes over`,
            model: fallback.model.id,
          });
        }
        const why = `fallback: ${primary.model.id} failed with ${describeFailure(err)} after ${err.attempts} ${err.attempts === 1 ? "attempt" : "attempts"}`;
        try {
          const completion = await serve(fallback, request, why, false);
          // Latency is the caller's wait: the failed attempts plus the fallback's.
          return { ...completion, fallbackFrom: primary.model.id, latencyMs: Math.round((performance.now() - started) * 10) / 10 };
        } catch (fallbackCaught) {
          const fallbackErr = fallbackCaught as LlmError;
          if (fallbackErr.code === "aborted") throw fallbackErr;
          // The primary's failure is the one to report (and to decide retrying the task); the
          // fallback's says why it could not help.
          const both = new LlmError(err.code, `${err.message}; fallback ${fallback.model.id} failed too: ${fallbackErr.message}`, {
            provider: err.provider ?? primary.provider.name,
            model: primary.model.id,
            retryable: err.retryable,
            ...(err.status !== undefined ? { status: err.status } : {}),
            ...(err.requestId !== undefined ? { requestId: err.requestId } : {}),
          });
          both.attempts = err.attempts;
          throw both;
        }
      }
    },
  };
}
