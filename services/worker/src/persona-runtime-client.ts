import { type GenerateFrame, GenerateFrame as GenerateFrameSchema, type GenerateRequest } from "@threads-agent/contracts";
import { BalancedPool, Pool } from "undici";
import { describeFetchError, PermanentError, TransientError } from "./errors.ts";

export type PersonaRuntimeClient = {
  /**
   * Streams a generation; calls `onFrames` with the progress frames of each network chunk (so a
   * burst costs one downstream write, a token-by-token stream one call per token) and resolves
   * with the final frame.
   */
  generate(
    request: GenerateRequest,
    options: { signal: AbortSignal; headers?: Record<string, string>; onFrames: (frames: GenerateFrame[]) => Promise<void> },
  ): Promise<Extract<GenerateFrame, { type: "result" | "blocked" | "error" }>>;
  /** Closes the keep-alive connections. */
  close(): Promise<void>;
};

const FINAL = new Set(["result", "blocked", "error"]);

/**
 * Over a keep-alive undici Pool (a bare `fetch` per task measured 3x the client CPU: a new
 * Request/Response and web stream per call). `connections` bounds the sockets to persona-runtime;
 * the worker's concurrency is a good value. Several base URLs (instances with no load balancer in
 * front, as in a local scale-out) share the requests through undici's BalancedPool, which also
 * steers away from an instance that fails.
 */
export function createPersonaRuntimeClient(options: {
  baseUrls: readonly string[];
  timeoutMs: number;
  connections?: number;
}): PersonaRuntimeClient {
  const bases = options.baseUrls.map((url) => new URL(url));
  const base = bases[0];
  if (!base) throw new Error("createPersonaRuntimeClient: no persona-runtime URL");
  const baseUrl = options.baseUrls.join(", ");
  const path = new URL("/v1/generate", base).pathname;
  const poolOptions = { connections: options.connections ?? 16, keepAliveTimeout: 30_000 };
  const pool =
    bases.length === 1
      ? new Pool(base.origin, poolOptions)
      : new BalancedPool(
          bases.map((b) => b.origin),
          // Each instance gets its share of the connections.
          { ...poolOptions, connections: Math.max(1, Math.ceil(poolOptions.connections / bases.length)) },
        );
  return {
    close: () => pool.close(),
    async generate(request, { signal, headers, onFrames }) {
      const combined = AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]);
      let response: Awaited<ReturnType<Pool["request"]>>;
      try {
        response = await pool.request({
          path,
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/x-ndjson", ...headers },
          body: JSON.stringify(request),
          signal: combined,
        });
      } catch (err) {
        throw new TransientError(
          "persona_runtime_unavailable",
          `persona-runtime unreachable at ${baseUrl}: ${describeFetchError(combined.aborted ? combined.reason : err)}`,
          { cause: err },
        );
      }
      if (response.statusCode < 200 || response.statusCode >= 300) {
        const detail = (await response.body.text().catch(() => "")).slice(0, 300);
        const message = `persona-runtime answered ${response.statusCode}: ${detail}`;
        if (response.statusCode >= 500 || response.statusCode === 429) throw new TransientError("persona_runtime_error", message);
        throw new PermanentError("persona_runtime_rejected", message);
      }
      const decoder = new TextDecoder();
      let buffer = "";
      try {
        for await (const chunk of response.body) {
          buffer += decoder.decode(chunk as Uint8Array, { stream: true });
          const progress: GenerateFrame[] = [];
          let newline: number;
          while ((newline = buffer.indexOf("\n")) >= 0) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            if (!line) continue;
            const parsed = GenerateFrameSchema.safeParse(JSON.parse(line));
            if (!parsed.success)
              throw new PermanentError("persona_runtime_protocol", `persona-runtime sent an unexpected frame: ${line.slice(0, 200)}`);
            const frame = parsed.data;
            if (FINAL.has(frame.type)) {
              if (progress.length) await onFrames(progress);
              response.body.destroy(); // nothing follows the final frame; frees the connection
              return frame as Extract<GenerateFrame, { type: "result" | "blocked" | "error" }>;
            }
            progress.push(frame);
          }
          if (progress.length) await onFrames(progress);
        }
      } catch (err) {
        if (err instanceof PermanentError || err instanceof TransientError) throw err;
        response.body.destroy();
        throw new TransientError(
          "persona_runtime_unavailable",
          `persona-runtime stream broke: ${describeFetchError(combined.aborted ? combined.reason : err)}`,
          {
            cause: err,
          },
        );
      }
      throw new TransientError("persona_runtime_unavailable", "persona-runtime ended the stream without a result");
    },
  };
}
