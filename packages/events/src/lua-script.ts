import type { Redis } from "ioredis";

/** A Lua script run by its SHA (EVALSHA), the body sent only when Redis does not have it yet. */
export type LuaScript = { name: string; keys: number; lua: string };

type ScriptRunner = (...keysThenArgs: (string | number)[]) => Promise<unknown>;
const defined = new WeakMap<Redis, Set<string>>();

/**
 * Runs `script` through ioredis' defineCommand, which sends EVALSHA and falls back to EVAL once
 * on NOSCRIPT (a restarted Redis). `redis.eval` sent the whole script text with every call: the
 * relay's publish scripts are about a kilobyte, on every status change.
 */
export function runScript(redis: Redis, script: LuaScript, ...keysThenArgs: (string | number)[]): Promise<unknown> {
  let names = defined.get(redis);
  if (!names) {
    names = new Set();
    defined.set(redis, names);
  }
  if (!names.has(script.name)) {
    redis.defineCommand(script.name, { numberOfKeys: script.keys, lua: script.lua });
    names.add(script.name);
  }
  return (redis as unknown as Record<string, ScriptRunner>)[script.name]!(...keysThenArgs);
}
