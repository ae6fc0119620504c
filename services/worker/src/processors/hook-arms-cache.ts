import type { HookArm } from "@threads-agent/contracts";

/**
 * The hook bandit's arms per persona (hookArmsOf), kept for `ttlMs`. Computing them aggregates
 * every published post of the persona with its latest insights reading (two statements whose cost
 * grows with the persona's history), yet the figures only move when an insights reading arrives,
 * minutes apart: without the cache every task paid for them. 0 turns the cache off (every task
 * reads them fresh). Concurrent tasks of one persona share one read in flight; a failed read is
 * not kept.
 */
export class HookArmsCache {
  readonly #load: (personaId: string) => Promise<HookArm[]>;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, { at: number; arms: Promise<HookArm[]> }>();

  constructor(load: (personaId: string) => Promise<HookArm[]>, ttlMs: number, now: () => number = () => performance.now()) {
    this.#load = load;
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  of(personaId: string): Promise<HookArm[]> {
    if (this.#ttlMs <= 0) return this.#load(personaId);
    const now = this.#now();
    const cached = this.#entries.get(personaId);
    if (cached && now - cached.at < this.#ttlMs) return cached.arms;
    const entry = { at: now, arms: this.#load(personaId) };
    this.#entries.set(personaId, entry);
    entry.arms.catch(() => {
      if (this.#entries.get(personaId) === entry) this.#entries.delete(personaId);
    });
    // Expired entries (personas no longer in use) are dropped once there are many, so the map stays small.
    if (this.#entries.size > 1000) for (const [id, e] of this.#entries) if (now - e.at >= this.#ttlMs) this.#entries.delete(id);
    return entry.arms;
  }
}
