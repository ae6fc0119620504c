/**
 * A tool call's arguments as the model wrote them (JSON text) parsed into an object. A model can
 * write broken JSON; the call then carries an empty input and says why, so the caller can answer
 * with a tool error the model can correct, instead of the whole turn failing.
 */
export function parseToolInput(json: string): { input: Record<string, unknown>; inputError?: string } {
  if (!json.trim()) return { input: {} };
  try {
    const value: unknown = JSON.parse(json);
    if (value && typeof value === "object" && !Array.isArray(value)) return { input: value as Record<string, unknown> };
    return { input: {}, inputError: "the arguments must be a JSON object" };
  } catch (err) {
    return { input: {}, inputError: `the arguments are not valid JSON: ${(err as Error).message}` };
  }
}
