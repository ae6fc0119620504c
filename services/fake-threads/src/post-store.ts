import { createHash } from "node:crypto";
import type { PublishedPost, PublishRequest } from "@threads-agent/contracts";

export type PublishOutcome = {
  post: PublishedPost;
  /** False when the idempotency key was seen before and the first post is returned instead. */
  created: boolean;
  /** For a replay: whether it carried the same text and persona as the first call. */
  sameRequest: boolean;
};

export type PostPage = { items: PublishedPost[]; next_cursor: string | null };

type Stored = { post: PublishedPost; replyToId: string | null; requestHash: string };

const requestHash = (request: PublishRequest) =>
  createHash("sha256")
    .update(JSON.stringify([request.text, request.persona_id ?? null, request.reply_to_id ?? null]))
    .digest("hex");

/**
 * The published posts, in memory and in publish order. Ids look like Threads media ids (numeric
 * strings) and increase with every post, so they double as list cursors.
 */
export class PostStore {
  readonly #posts = new Map<string, Stored>();
  readonly #idsByKey = new Map<string, string>();
  readonly #maxPosts: number;
  readonly #now: () => number;
  #lastId = 0n;

  constructor(options: { maxPosts: number; now: () => number }) {
    this.#maxPosts = options.maxPosts;
    this.#now = options.now;
  }

  get size(): number {
    return this.#posts.size;
  }

  /** Stores the post once per idempotency key; later calls with the key get the first post back. */
  publish(idempotencyKey: string, request: PublishRequest): PublishOutcome {
    const hash = requestHash(request);
    const existingId = this.#idsByKey.get(idempotencyKey);
    const existing = existingId ? this.#posts.get(existingId) : undefined;
    if (existing) return { post: existing.post, created: false, sameRequest: existing.requestHash === hash };

    const now = this.#now();
    const post: PublishedPost = {
      id: this.#nextId(now),
      text: request.text,
      persona_id: request.persona_id ?? null,
      idempotency_key: idempotencyKey,
      published_at: new Date(now).toISOString(),
    };
    this.#posts.set(post.id, { post, replyToId: request.reply_to_id ?? null, requestHash: hash });
    this.#idsByKey.set(idempotencyKey, post.id);
    this.#evictOldest();
    return { post, created: true, sameRequest: true };
  }

  get(id: string): PublishedPost | undefined {
    return this.#posts.get(id)?.post;
  }

  /** Newest first; `cursor` is the last id of the previous page. */
  list(options: { personaId?: string | undefined; limit: number; cursor?: string | undefined }): PostPage {
    const before = options.cursor ? BigInt(options.cursor) : undefined;
    const items: PublishedPost[] = [];
    const all = [...this.#posts.values()];
    for (let i = all.length - 1; i >= 0 && items.length <= options.limit; i--) {
      const { post } = all[i]!;
      if (before !== undefined && BigInt(post.id) >= before) continue;
      if (options.personaId && post.persona_id !== options.personaId) continue;
      items.push(post);
    }
    const more = items.length > options.limit;
    const page = items.slice(0, options.limit);
    return { items: page, next_cursor: more ? (page.at(-1)?.id ?? null) : null };
  }

  // Milliseconds times 10^4 plus a sequence: 17 digits like real media ids, strictly increasing.
  #nextId(now: number): string {
    const candidate = BigInt(now) * 10_000n;
    this.#lastId = candidate > this.#lastId ? candidate : this.#lastId + 1n;
    return this.#lastId.toString();
  }

  #evictOldest(): void {
    while (this.#posts.size > this.#maxPosts) {
      const oldest = this.#posts.keys().next().value as string;
      const key = this.#posts.get(oldest)?.post.idempotency_key;
      this.#posts.delete(oldest);
      if (key) this.#idsByKey.delete(key);
    }
  }
}

export const isPostId = (value: string) => /^\d{1,30}$/.test(value);
