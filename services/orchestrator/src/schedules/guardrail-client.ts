import { GuardrailVerdict } from "@threads-agent/contracts";
import { ServiceUnavailable } from "@threads-agent/http";

export type GuardrailClient = {
  /** persona-runtime's verdict on a text about to be published (the regex guard, and moderation when it has a key). */
  check(text: string, signal?: AbortSignal): Promise<GuardrailVerdict>;
};

/**
 * The same guardrail the pipeline runs, asked over HTTP: one blocklist and one moderation setting
 * for the whole system. With several persona-runtime URLs (instances with no load balancer in
 * front) the checks take turns.
 */
export function createGuardrailClient(options: { baseUrls: readonly string[]; timeoutMs: number }): GuardrailClient {
  const urls = options.baseUrls.map((base) => new URL("/v1/guardrail", base).toString());
  let turn = 0;
  return {
    async check(text, signal) {
      const url = urls[turn++ % urls.length] as string;
      const deadline = AbortSignal.timeout(options.timeoutMs);
      let response: Response;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ text }),
          signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
        });
      } catch (err) {
        throw new ServiceUnavailable(
          `persona-runtime's guardrail is unreachable (${(err as Error).message}); the edited text cannot be checked, try again`,
        );
      }
      if (!response.ok) {
        const detail = (await response.text().catch(() => "")).slice(0, 200);
        throw new ServiceUnavailable(`persona-runtime's guardrail answered ${response.status} (${detail}); try again`);
      }
      return GuardrailVerdict.parse(await response.json());
    },
  };
}
