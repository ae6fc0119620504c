// Reusable pieces for services' config schemas: every variable name here is part of the contract
// with the Helm chart, which sets them.
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

export const redisUrl = z
  .url({ message: "expected a redis:// URL" })
  .refine((v) => /^rediss?:\/\//.test(v), "expected a redis:// or rediss:// URL")
  .default("redis://127.0.0.1:6379");

export const databaseUrl = z
  .url({ message: "expected a postgresql:// URL" })
  .refine((v) => /^postgres(ql)?:\/\//.test(v), "expected a postgresql:// URL")
  .default("postgresql://postgres@127.0.0.1:5432/threads_agent");

export const logLevel = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info");

/** Comma-separated list; blanks dropped. */
export const list = (fallback: string[] = []) =>
  z
    .string()
    .transform((v) =>
      v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .default(fallback);

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
