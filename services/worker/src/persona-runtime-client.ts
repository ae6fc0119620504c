import { type GenerateFrame, GenerateFrame as GenerateFrameSchema, type GenerateRequest } from "@threads-agent/contracts";
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
};

const FINAL = new Set(["result", "blocked", "error"]);

export function createPersonaRuntimeClient(options: { baseUrl: string; timeoutMs: number }): PersonaRuntimeClient {
  const url = new URL("/v1/generate", options.baseUrl).toString();
  return {
    async generate(request, { signal, headers, onFrames }) {
      const combined = AbortSignal.any([signal, AbortSignal.timeout(options.timeoutMs)]);
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/x-ndjson", ...headers },
          body: JSON.stringify(request),
          signal: combined,
        });
      } catch (err) {
        throw new TransientError(
          "persona_runtime_unavailable",
          `persona-runtime unreachable at ${options.baseUrl}: ${describeFetchError(err)}`,
          { cause: err },
        );
      }
      if (!response.ok || !response.body) {
        const detail = (await response.text().catch(() => "")).slice(0, 300);
        const message = `persona-runtime answered ${response.status}: ${detail}`;
        if (response.status >= 500 || response.status === 429) throw new TransientError("persona_runtime_error", message);
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
              return frame as Extract<GenerateFrame, { type: "result" | "blocked" | "error" }>;
            }
            progress.push(frame);
          }
          if (progress.length) await onFrames(progress);
        }
      } catch (err) {
        if (err instanceof PermanentError || err instanceof TransientError) throw err;
        throw new TransientError("persona_runtime_unavailable", `persona-runtime stream broke: ${describeFetchError(err)}`, { cause: err });
      }
      throw new TransientError("persona_runtime_unavailable", "persona-runtime ended the stream without a result");
    },
  };
}
