import type { z } from "zod";

/** Thrown at start-up when the environment does not satisfy a service's schema; lists every problem at once. */
export class ConfigError extends Error {
  readonly problems: { variable: string; message: string }[];

  constructor(service: string, problems: { variable: string; message: string }[]) {
    super(`${service}: invalid configuration\n${problems.map((p) => `  - ${p.variable}: ${p.message}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/**
 * Parses `env` with a zod object schema whose keys are the environment variable names.
 * Empty strings count as unset, so `FOO=` falls back to the default like an absent variable.
 */
export function loadConfig<S extends z.ZodType>(
  service: string,
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.output<S> {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== "") cleaned[key] = value;
  }
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      service,
      result.error.issues.map((issue) => ({
        variable: issue.path.map(String).join(".") || "(environment)",
        message: issue.message,
      })),
    );
  }
  return result.data;
}

/**
 * For a service's main: the config `load` returns or, when the environment does not satisfy the
 * schema, every problem on stderr and exit code 78 (EX_CONFIG) rather than a stack trace.
 */
export function configOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(78); // EX_CONFIG
  }
}
