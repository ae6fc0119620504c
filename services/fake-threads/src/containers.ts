import { type ContainerStatusName, fitsThreads, THREADS_MAX_CHARS, threadsLength } from "@threads-agent/contracts";
import type { IdSequence } from "./ids.ts";

export type Container = {
  id: string;
  userId: string;
  text: string;
  replyToId: string | null;
  createdAt: number;
  /** Set once threads_publish made a post of it. */
  mediaId: string | null;
  /** threads_publish calls naming it, refused ones included. */
  publishCalls: number;
  /** Why processing will fail, decided at creation (the status only shows it once processing is over). */
  failure: string | null;
};

/**
 * Media containers and their lifecycle, computed from the clock rather than timers, so tests that
 * move the clock see exactly what Threads would show at that moment:
 *
 *   IN_PROGRESS (for CONTAINER_READY_MS) -> FINISHED -> PUBLISHED (after threads_publish)
 *   IN_PROGRESS -> ERROR (the text is longer than Threads allows)
 *   FINISHED -> EXPIRED (not published within CONTAINER_EXPIRY_MS, 24 h)
 */
export class ContainerStore {
  readonly #containers = new Map<string, Container>();
  readonly #now: () => number;
  readonly #ids: IdSequence;
  readonly #readyMs: number;
  readonly #expiryMs: number;
  readonly #max: number;

  constructor(options: { now: () => number; ids: IdSequence; readyMs: number; expiryMs: number; max: number }) {
    this.#now = options.now;
    this.#ids = options.ids;
    this.#readyMs = options.readyMs;
    this.#expiryMs = options.expiryMs;
    this.#max = options.max;
  }

  create(fields: { userId: string; text: string; replyToId: string | null }): Container {
    const length = threadsLength(fields.text);
    const container: Container = {
      ...fields,
      id: this.#ids.next(),
      createdAt: this.#now(),
      mediaId: null,
      publishCalls: 0,
      failure: fitsThreads(fields.text)
        ? null
        : // Threads' own error_message values name video problems or say UNKNOWN; this one says what to fix.
          `TEXT_TOO_LONG: ${length} characters as Threads counts them (emoji count as their UTF-8 bytes); the limit is ${THREADS_MAX_CHARS}`,
    };
    this.#containers.set(container.id, container);
    this.#forgetOld();
    return container;
  }

  get(id: string): Container | undefined {
    return this.#containers.get(id);
  }

  /** Oldest first. */
  all(): IterableIterator<Container> {
    return this.#containers.values();
  }

  status(container: Container): { status: ContainerStatusName; errorMessage: string | null } {
    if (container.mediaId) return { status: "PUBLISHED", errorMessage: null };
    const age = this.#now() - container.createdAt;
    if (age < this.#readyMs) return { status: "IN_PROGRESS", errorMessage: null };
    if (container.failure) return { status: "ERROR", errorMessage: container.failure };
    if (age >= this.#expiryMs) return { status: "EXPIRED", errorMessage: null };
    return { status: "FINISHED", errorMessage: null };
  }

  markPublished(container: Container, mediaId: string): void {
    container.mediaId = mediaId;
  }

  // Containers are small but unbounded in number; beyond the cap the oldest go (long expired by then).
  #forgetOld(): void {
    while (this.#containers.size > this.#max) {
      const oldest = this.#containers.keys().next().value as string;
      this.#containers.delete(oldest);
    }
  }
}
