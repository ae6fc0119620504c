/** Status code and message of a failed Kubernetes API call (client-node's ApiException or a watch error). */
export function apiError(err: unknown): { code: number | null; message: string } {
  const e = err as { code?: unknown; statusCode?: unknown; body?: unknown; message?: unknown };
  const code = typeof e.code === "number" ? e.code : typeof e.statusCode === "number" ? e.statusCode : null;
  let message = typeof e.message === "string" ? e.message : String(err);
  const body = typeof e.body === "string" ? safeJson(e.body) : e.body;
  if (body && typeof body === "object" && typeof (body as { message?: unknown }).message === "string") {
    message = (body as { message: string }).message;
  }
  return { code, message };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
