import { type Logger, pino } from "pino";

export type { Logger };

/**
 * Anything that looks like a provider key, a bearer token or a token in a URL (Threads takes
 * `access_token=` as a query parameter, and its refresh call must) is masked before a line is written.
 */
export const SECRET_PATTERNS: RegExp[] = [
  /sk-(?:ant-|proj-)?[A-Za-z0-9_-]{8,}/g,
  /(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi,
  /((?:access_token|input_token|client_secret)=)[^&\s"'#]+/gi,
];

export function redactSecrets(text: string): string {
  let out = text;
  for (const re of SECRET_PATTERNS)
    out = out.replace(re, (_match, bearer?: string) => (typeof bearer === "string" ? `${bearer}[redacted]` : "[redacted]"));
  return out;
}

export function createLogger(options: { service: string; level?: string; destination?: NodeJS.WritableStream }): Logger {
  return pino(
    {
      name: options.service,
      level: options.level ?? "info",
      base: { service: options.service },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Known secret-bearing fields never reach the output...
      redact: {
        paths: [
          "req.headers.authorization",
          "headers.authorization",
          "*.apiKey",
          "*.api_key",
          "apiKey",
          "config.OPENAI_API_KEY",
          "config.ANTHROPIC_API_KEY",
          "*.OPENAI_API_KEY",
          "*.ANTHROPIC_API_KEY",
        ],
        censor: "[redacted]",
      },
      // ...and free text (error messages from SDKs, say) is scrubbed of anything key-shaped.
      hooks: {
        streamWrite: redactSecrets,
      },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? process.stdout,
  );
}
