import { type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
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
    const span = trace.getActiveSpan();
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
          attemptEvent(span, report);
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
      // Async, so a bad model id rejects like every other failure instead of throwing.
      const primary = route(request.model);
      // One span per model call, per the OpenTelemetry GenAI conventions: the request as asked, the
      // answer as served (after any retries and a fallback, each an event with its reason), usage and cost.
      return tracer.startActiveSpan(
        `chat ${primary.model.name}`,
        {
          kind: SpanKind.CLIENT,
          attributes: {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": primary.model.provider,
            "gen_ai.system": primary.model.provider,
            "gen_ai.request.model": primary.model.name,
            ...(request.temperature !== undefined ? { "gen_ai.request.temperature": request.temperature } : {}),
            ...(request.maxTokens !== undefined ? { "gen_ai.request.max_tokens": request.maxTokens } : {}),
            ...(request.purpose?.step ? { "threads_agent.step": request.purpose.step } : {}),
            "threads_agent.served_by": primary.provider.name,
          },
        },
        async (span) => {
          try {
            const completion = await completeWithFallback(request, primary);
            const served = parseModelId(completion.model);
            span.setAttributes({
              "gen_ai.provider.name": served.provider,
              "gen_ai.system": served.provider,
              "gen_ai.response.model": served.name,
              "gen_ai.usage.input_tokens": completion.usage.inputTokens,
              "gen_ai.usage.output_tokens": completion.usage.outputTokens,
              "gen_ai.response.finish_reasons": [completion.finishReason],
              "threads_agent.cost_usd": completion.costUsd,
              "threads_agent.served_by": completion.provider,
              "threads_agent.attempts": completion.attempts,
              "threads_agent.reason": completion.reason,
              ...(completion.priceVersion ? { "threads_agent.price_version": completion.priceVersion } : {}),
            });
            return completion;
          } catch (err) {
            const failure = err as LlmError;
            span.recordException(failure);
            span.setAttributes({
              "error.type": failure.code ?? "provider_error",
              ...(failure.status !== undefined ? { "http.response.status_code": failure.status } : {}),
            });
            span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
            throw err;
          } finally {
            span.end();
          }
        },
      );
    },
  };

  /** The primary model with its retries, then the fallback model when the primary's provider cannot serve. */
  async function completeWithFallback(request: CompletionRequest, primary: Route): Promise<Completion> {
    {
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
        trace.getActiveSpan()?.addEvent("gen_ai.fallback", {
          "gen_ai.request.model": fallback.model.name,
          "threads_agent.fallback.from": primary.model.id,
          "threads_agent.fallback.to": fallback.model.id,
          "threads_agent.fallback.reason": why,
          "error.type": err.code,
        });
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
    }
  }
}

const tracer = trace.getTracer("@threads-agent/llm");

/** A failed attempt on the call's span: what failed and what happens next (a retry after a wait, the fallback, or giving up). */
function attemptEvent(span: Span | undefined, report: AttemptReport): void {
  if (!span || report.outcome === "ok") return;
  const name = report.next === "retry" ? "gen_ai.retry" : "gen_ai.attempt_failed";
  span.addEvent(name, {
    "gen_ai.request.model": report.model,
    "threads_agent.attempt": report.attempt,
    "threads_agent.next": report.next ?? "fail",
    "error.type": report.outcome,
    ...(report.status !== undefined ? { "http.response.status_code": report.status } : {}),
    ...(report.retryInMs !== undefined ? { "threads_agent.retry_in_ms": report.retryInMs } : {}),
    ...(report.message ? { "threads_agent.reason": report.message } : {}),
  });
}
