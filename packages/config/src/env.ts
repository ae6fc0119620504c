// Reusable pieces for services' config schemas: every variable name here is part of the contract
// with the Helm chart, which sets them.
import { tmpdir } from "node:os";
import path from "node:path";
import { z } from "zod";

const wholeNumber = () => z.coerce.number({ message: "expected a whole number" }).int("expected a whole number");

export const port = (fallback: number) => wholeNumber().min(0, "a port: 0-65535").max(65535, "a port: 0-65535").default(fallback);

export const positiveInt = (fallback: number) => wholeNumber().positive("must be at least 1").default(fallback);

export const nonNegativeInt = (fallback: number) => wholeNumber().min(0, "must be 0 or more").default(fallback);

/** "true"/"false"/"1"/"0"/"yes"/"no"; z.coerce.boolean() would read "false" as true. */
export const flag = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"], { message: "expected true or false" })
    .default(fallback ? "true" : "false")
    .transform((v) => v === "true" || v === "1" || v === "yes");

export const url = (fallback?: string) => {
  const schema = z.url({ message: "expected a URL" });
  return fallback === undefined ? schema : schema.default(fallback);
};

/** The entries of a comma-separated value, trimmed, blanks dropped. */
const entriesOf = (value: string) =>
  value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * One URL or a comma-separated list of them (instances of one service to balance across), each
 * checked; the message names the entry that is not a URL.
 */
export const urlList = (fallback: string[]) =>
  z
    .string()
    .transform((v, ctx) => {
      const urls = entriesOf(v);
      if (urls.length === 0) ctx.addIssue({ code: "custom", message: "expected a URL, or URLs separated by commas" });
      for (const entry of urls) {
        if (!URL.canParse(entry) || !/^https?:$/.test(new URL(entry).protocol))
          ctx.addIssue({ code: "custom", message: `expected http(s) URLs separated by commas, not ${JSON.stringify(entry)}` });
      }
      return urls;
    })
    .default(fallback);

export const redisUrl = z
  .url({ message: "expected a redis:// URL" })
  .refine((v) => /^rediss?:\/\//.test(v), "expected a redis:// or rediss:// URL")
  .default("redis://127.0.0.1:6379");

export const databaseUrl = z
  .url({ message: "expected a postgresql:// URL" })
  .refine((v) => /^postgres(ql)?:\/\//.test(v), "expected a postgresql:// URL")
  .default("postgresql://postgres@127.0.0.1:5432/threads_agent");

export const logLevel = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info");

/**
 * The Threads Graph API root *with* its version: fake-threads locally, `https://graph.threads.net/v1.0`
 * for the real Threads. The same client code talks to both.
 */
export const threadsApiUrl = z
  .url({ message: "expected a URL like https://graph.threads.net/v1.0" })
  .refine(
    (v) => !URL.canParse(v) || /\/v\d+(\.\d+)?\/?$/.test(new URL(v).pathname),
    "must end with the API version, e.g. https://graph.threads.net/v1.0",
  )
  .default("http://127.0.0.1:9009/v1.0");

/**
 * `TOKEN_ENCRYPTION_KEY`: 32 random bytes, base64 (`openssl rand -base64 32`), which encrypts the
 * Threads tokens stored in the database. Optional until an account is linked; the problem never
 * repeats the value.
 */
export const tokenEncryptionKey = z
  .string()
  .optional()
  .superRefine((value, ctx) => {
    if (value === undefined || value === "") return;
    const trimmed = value.trim();
    const bytes = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)
      ? Buffer.from(trimmed.replace(/-/g, "+").replace(/_/g, "/"), "base64").length
      : -1;
    if (bytes !== 32)
      ctx.addIssue({
        code: "custom",
        message:
          bytes < 0
            ? "expected base64, e.g. the output of `openssl rand -base64 32`"
            : `expected 32 bytes of base64, got ${bytes} (openssl rand -base64 32)`,
      });
  })
  .transform((value) => (value?.trim() ? value.trim() : undefined));

/** The checkout these services run from (the monorepo root). */
const CHECKOUT = path.resolve(import.meta.dirname, "../../..");

/** What `ALLOW_FILE_REPOS=true` means: the checkout and the system temp dir (where scripts/up and the tests make repositories). */
export const LOCAL_FILE_REPO_ROOTS: readonly string[] = [CHECKOUT, path.resolve(tmpdir())];

/**
 * ALLOW_FILE_REPOS: the directories file:// repositories may be under, comma-separated absolute
 * paths; `false`, `0`, `no` or empty: none (file:// refused); `true`: LOCAL_FILE_REPO_ROOTS. Never
 * every path on the machine.
 */
export const fileRepoRoots = (fallback: readonly string[] = []) =>
  z
    .string()
    .transform((value, ctx) => {
      const v = value.trim();
      if (["", "false", "0", "no"].includes(v.toLowerCase())) return [] as string[];
      if (["true", "1", "yes"].includes(v.toLowerCase())) return [...LOCAL_FILE_REPO_ROOTS];
      const roots = v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      for (const root of roots) {
        if (!path.isAbsolute(root))
          ctx.addIssue({ code: "custom", message: `expected absolute directories (or true/false), not ${JSON.stringify(root)}` });
        else if (path.resolve(root) === "/")
          ctx.addIssue({ code: "custom", message: "the root directory would allow every path; name the directories" });
      }
      return roots.map((r) => path.resolve(r));
    })
    .default([...fallback]);

/** Comma-separated list; blanks dropped. */
export const list = (fallback: string[] = []) => z.string().transform(entriesOf).default(fallback);

/** Variables every service reads. */
export const common = {
  /** pino level. */
  LOG_LEVEL: logLevel,
  /** Prefix of every Redis key this deployment writes (queues, event streams, idempotency keys). */
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, "letters, digits, - and _ only")
    .default("ta"),
  /** OTLP/HTTP endpoint (e.g. http://jaeger:4318); tracing is off when unset. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  /** Grace period for in-flight work on SIGTERM before connections are closed. */
  SHUTDOWN_GRACE_MS: positiveInt(25_000),
};
