import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";

// Keys @langchain/core uses in its async-local store (Symbol.for, so they are the library's own).
const CHILD_CONFIG = Symbol.for("lc:child_config");
const CONTEXT_VARIABLES = Symbol.for("lc:context_variables");

type Callbacks = undefined | unknown[] | { handlers?: unknown[]; inheritableHandlers?: unknown[] };
type Store = Record<PropertyKey, unknown> | undefined;
type Provider = {
  getInstance(): { getStore(): Store; run(store: unknown, callback: () => unknown): unknown };
  runWithConfig(config: { callbacks?: Callbacks } | undefined, callback: () => unknown, avoidCreatingRootRunTree?: boolean): unknown;
};

const tracingConfigured = (env: NodeJS.ProcessEnv) =>
  ["LANGCHAIN_TRACING_V2", "LANGCHAIN_TRACING", "LANGSMITH_TRACING", "LANGSMITH_TRACING_V2"].some((name) => env[name] === "true");

const noHandlers = (callbacks: Callbacks) =>
  callbacks === undefined ||
  (Array.isArray(callbacks)
    ? callbacks.length === 0
    : (callbacks.handlers?.length ?? 0) === 0 && (callbacks.inheritableHandlers?.length ?? 0) === 0);

let installed = false;

/**
 * LangGraph runs every node, branch and channel write through @langchain/core's
 * `runWithConfig`, which builds a LangSmith `RunTree` (a uuid, a timestamp, a dozen environment
 * lookups) for each call just to carry the config in async-local storage, although nothing
 * traces. Measured on a 5-node graph: 3.6 ms of CPU per invoke, 2.2-2.4 ms with this. When no
 * LangChain tracing is configured and a call has no callback handlers, the config is carried in a
 * plain object under the same keys (what `getConfig()`, `interrupt()` and the custom stream
 * writer read back); anything with handlers, or any tracing, goes through the library untouched.
 * Written by hand because the library offers no switch for it; `persona-graph.test` covers the
 * custom frames and config that depend on it.
 */
export function useLeanRunnableContext(env: NodeJS.ProcessEnv = process.env): boolean {
  if (installed) return true;
  if (tracingConfigured(env)) return false;
  const provider = AsyncLocalStorageProviderSingleton as unknown as Provider;
  const original = provider.runWithConfig;
  provider.runWithConfig = function runWithConfig(config, callback, avoidCreatingRootRunTree) {
    if (!noHandlers(config?.callbacks)) return original.call(this, config, callback, avoidCreatingRootRunTree);
    const storage = this.getInstance();
    const previous = storage.getStore();
    const store: Record<PropertyKey, unknown> = { extra: { [CHILD_CONFIG]: config } };
    if (previous?.[CONTEXT_VARIABLES] !== undefined) store[CONTEXT_VARIABLES] = previous[CONTEXT_VARIABLES];
    return storage.run(store, callback);
  };
  installed = true;
  return true;
}
