export type SseMessage = { id?: string; event?: string; data: string; json: Record<string, unknown> };

/**
 * Reads an SSE endpoint with fetch until the server ends the stream (or `until` says stop), parsing
 * frames exactly as EventSource would. Returns the messages and the comments (heartbeats) seen.
 */
export async function readSse(
  url: string,
  options: { headers?: Record<string, string>; until?: (m: SseMessage, all: SseMessage[]) => boolean; timeoutMs?: number } = {},
): Promise<{ messages: SseMessage[]; comments: string[]; status: number; headers: Headers }> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new Error(`SSE ${url} did not end within ${options.timeoutMs ?? 30_000} ms`)),
    options.timeoutMs ?? 30_000,
  );
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  try {
    const res = await fetch(url, { headers: { accept: "text/event-stream", ...options.headers }, signal: controller.signal });
    if (!res.ok || !res.body) return { messages, comments, status: res.status, headers: res.headers };
    const decoder = new TextDecoder();
    let buffer = "";
    const reader = res.body.getReader();
    outer: while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let boundary: number;
      while ((boundary = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, boundary);
        buffer = buffer.slice(boundary + 2);
        const message: Partial<SseMessage> = {};
        const data: string[] = [];
        for (const line of frame.split("\n")) {
          if (line.startsWith(":")) comments.push(line.slice(1).trim());
          else if (line.startsWith("id:")) message.id = line.slice(3).trim();
          else if (line.startsWith("event:")) message.event = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        }
        if (data.length === 0) continue;
        const text = data.join("\n");
        const full = { ...message, data: text, json: JSON.parse(text) } as SseMessage;
        messages.push(full);
        if (options.until?.(full, messages)) {
          await reader.cancel();
          break outer;
        }
      }
    }
    return { messages, comments, status: res.status, headers: res.headers };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts reading an SSE endpoint to its end (see readSse) for a test that acts mid-stream: `seen`
 * fills with the messages as they arrive, `done` settles like readSse once the stream ends.
 */
export function followSse(
  url: string,
  options: { headers?: Record<string, string>; timeoutMs?: number } = {},
): { seen: SseMessage[]; done: ReturnType<typeof readSse> } {
  const seen: SseMessage[] = [];
  const done = readSse(url, {
    ...options,
    until: (m) => {
      seen.push(m);
      return false;
    },
  });
  return { seen, done };
}
