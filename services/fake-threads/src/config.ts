import { env, loadConfig } from "@threads-agent/config";
import { SEEDED_HOOK_STYLES, type SeededHookStyle } from "@threads-agent/contracts";
import { z } from "zod";

/** The default account's token when THREADS_ACCESS_TOKEN is unset (local development: no secret to share). */
export const DEV_ACCESS_TOKEN = "fake-threads-dev-token";

const USERNAME = /^[a-z0-9._-]{1,30}$/;

/** `name:token,name:token`, each an account seeded at start with that long-lived token. */
const accounts = z
  .string()
  .default("")
  .transform((value, ctx) => {
    const out: { username: string; token: string }[] = [];
    for (const item of value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)) {
      const at = item.indexOf(":");
      const username = at > 0 ? item.slice(0, at) : "";
      const token = at > 0 ? item.slice(at + 1) : "";
      if (!USERNAME.test(username) || token.length < 8) {
        // Never echo the item: it holds a token.
        ctx.addIssue({
          code: "custom",
          message: "expected username:token pairs, comma-separated (usernames: a-z 0-9 . _ -, tokens at least 8 characters)",
        });
        return z.NEVER;
      }
      out.push({ username, token });
    }
    return out;
  });

/** `name=style,name=style`: the hook style that engages best for those accounts. */
const bestStyles = z
  .string()
  .default("")
  .transform((value, ctx) => {
    const out = new Map<string, SeededHookStyle>();
    for (const item of value
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [username = "", style = ""] = item.split("=", 2).map((s) => s.trim());
      if (!USERNAME.test(username) || !(SEEDED_HOOK_STYLES as readonly string[]).includes(style)) {
        ctx.addIssue({ code: "custom", message: `"${item}": expected username=style with a style of ${SEEDED_HOOK_STYLES.join(", ")}` });
        return z.NEVER;
      }
      out.set(username, style as SeededHookStyle);
    }
    return out;
  });

export const configSchema = z
  .object({
    /** HTTP port of the Threads stand-in. */
    PORT: env.port(9009),
    /** Interface to listen on. */
    HOST: z.string().min(1).default("0.0.0.0"),
    /** pino level. */
    LOG_LEVEL: env.logLevel,
    /** Long-lived token of the default Threads account (unset: `fake-threads-dev-token`). */
    THREADS_ACCESS_TOKEN: z.string().min(1).optional(),
    /** Username of the default Threads account; posts published with its token appear in /published with this topic. */
    THREADS_USERNAME: z.string().regex(USERNAME, "a Threads username: a-z 0-9 . _ -, at most 30").default("threads_agent"),
    /** More accounts seeded at start, `username:token` pairs comma-separated (one per persona, say). */
    THREADS_ACCOUNTS: accounts,
    /** Serve the test-only endpoints (`/_faults`, `/_accounts`, `/_tokens`, `/_clock`); on by default: this whole service is a test double. */
    FAULT_INJECTION: env.flag(true),
    /** How long a new media container stays IN_PROGRESS before it is FINISHED (or ERROR). */
    CONTAINER_READY_MS: env.nonNegativeInt(1_000),
    /** An unpublished container is EXPIRED this long after it was created (24 h, as on Threads). */
    CONTAINER_EXPIRY_MS: env.positiveInt(86_400_000),
    /** API-published posts each account may publish in a rolling 24 h window (Threads: 250). */
    PUBLISH_QUOTA: env.positiveInt(250),
    /** Lifetime of long-lived tokens, the configured ones (from start) and refreshed ones (Threads: 60 days). */
    TOKEN_LIFETIME_S: env.positiveInt(5_184_000),
    /** Best hook style per account, `username=style` comma-separated; unset accounts get one chosen from their id. */
    BEST_HOOK_STYLES: bestStyles,
    /** Root of post permalinks (`{root}/@{username}/post/{shortcode}`). */
    PERMALINK_ROOT: env.url("https://www.threads.net"),
    /** Posts kept in memory; the oldest are forgotten beyond this. */
    MAX_POSTS: env.positiveInt(10_000),
    /** OTLP/HTTP endpoint (e.g. http://jaeger:4318); tracing is off when unset. */
    OTEL_EXPORTER_OTLP_ENDPOINT: env.common.OTEL_EXPORTER_OTLP_ENDPOINT,
    /** Time in-flight requests get to finish on SIGTERM. */
    SHUTDOWN_GRACE_MS: env.common.SHUTDOWN_GRACE_MS,
  })
  .superRefine((config, ctx) => {
    const names = [config.THREADS_USERNAME, ...config.THREADS_ACCOUNTS.map((a) => a.username)];
    const duplicate = names.find((name, i) => names.indexOf(name) !== i);
    if (duplicate) ctx.addIssue({ code: "custom", path: ["THREADS_ACCOUNTS"], message: `username "${duplicate}" is given twice` });
    const tokens = [config.THREADS_ACCESS_TOKEN ?? DEV_ACCESS_TOKEN, ...config.THREADS_ACCOUNTS.map((a) => a.token)];
    if (new Set(tokens).size !== tokens.length)
      ctx.addIssue({ code: "custom", path: ["THREADS_ACCOUNTS"], message: "every account needs its own token" });
  });

export type Config = z.output<typeof configSchema>;

export function loadServiceConfig(environment: Record<string, string | undefined> = process.env): Config {
  return loadConfig("fake-threads", configSchema, environment);
}
