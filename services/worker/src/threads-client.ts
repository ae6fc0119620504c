import { SpanKind } from "@opentelemetry/api";
import type { PublishedPost, PublishRequest } from "@threads-agent/contracts";
import { inSpan } from "@threads-agent/observability";
import { describeFetchError, PermanentError, TransientError } from "./errors.ts";

export type ThreadsClient = {
  /** Publishes once per idempotency key: a repeated call returns the first post. */
  publish(post: PublishRequest, idempotencyKey: string, headers?: Record<string, string>): Promise<PublishedPost>;
};

export function createThreadsClient(options: { baseUrl: string; accessToken?: string | undefined; timeoutMs: number }): ThreadsClient {
  const url = new URL("/publish", options.baseUrl).toString();
  return {
    publish(post, idempotencyKey, headers) {
      // The publish as one span (its HTTP call is a child): failures carry their code and whether a retry helps.
      return inSpan(
        "worker",
        "threads.publish",
        { kind: SpanKind.CLIENT, attributes: { "threads.api": "legacy", "threads.endpoint": "POST /publish", "task.id": idempotencyKey } },
        () => publishOnce(post, idempotencyKey, headers),
      );
    },
  };

  async function publishOnce(post: PublishRequest, idempotencyKey: string, headers?: Record<string, string>): Promise<PublishedPost> {
    {
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "idempotency-key": idempotencyKey,
            ...(options.accessToken ? { authorization: `Bearer ${options.accessToken}` } : {}),
            ...headers,
          },
          body: JSON.stringify(post),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (err) {
        throw new TransientError("threads_unavailable", `Threads API unreachable at ${options.baseUrl}: ${describeFetchError(err)}`, {
          cause: err,
        });
      }
      if (response.ok) return (await response.json()) as PublishedPost;
      const detail = (await response.text().catch(() => "")).slice(0, 300);
      if (response.status >= 500 || response.status === 429 || response.status === 408) {
        throw new TransientError("threads_unavailable", `Threads API answered ${response.status}: ${detail}`);
      }
      if (response.status === 401 || response.status === 403) {
        throw new PermanentError("threads_unauthorized", `Threads API rejected the access token (${response.status})`);
      }
      throw new PermanentError("threads_rejected", `Threads API rejected the post (${response.status}): ${detail}`);
    }
  }
}
