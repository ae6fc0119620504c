import { createHash } from "node:crypto";
import type { PublishedPost } from "@threads-agent/contracts";
import { type IdSequence, shortcodeFor } from "./ids.ts";

/** How a post got here: the Graph API, the deprecated `POST /publish {text}`, or the original `POST /publish {topic, content}`. */
export type PostSource = "graph" | "publish" | "original";

/** A published post (a Threads media object). */
export type Post = {
  id: string;
  accountId: string;
  text: string;
  publishedAt: number;
  shortcode: string;
  source: PostSource;
  containerId: string | null;
  replyToId: string | null;
  /** The persona: as named by a deprecated publish, else the account's username (Graph, original). */
  personaId: string | null;
  idempotencyKey: string | null;
  /** Original publish: the caller's topic. */
  topic: string | null;
  /** Deprecated publish: what the first call carried, to warn when a replay differs. */
  requestHash: string | null;
};

export type NewPost = Omit<Post, "id" | "publishedAt" | "shortcode" | "requestHash"> & { requestHash?: string | null };

export type PostPage = { items: PublishedPost[]; next_cursor: string | null };

/** The deprecated contract's view of a post. */
export const toPublishedPost = (post: Post): PublishedPost => ({
  id: post.id,
  text: post.text,
  persona_id: post.personaId,
  idempotency_key: post.idempotencyKey,
  published_at: new Date(post.publishedAt).toISOString(),
});

export const requestHashOf = (parts: unknown[]) => createHash("sha256").update(JSON.stringify(parts)).digest("hex");

/**
 * Every published post, in memory and in publish order, whichever API published it, with an index
 * per account (the Graph lists) and per idempotency key (the deprecated publish). Beyond
 * `maxPosts` the oldest are forgotten, and their idempotency keys with them.
 */
export class PostStore {
  readonly #posts = new Map<string, Post>();
  readonly #byAccount = new Map<string, Post[]>();
  readonly #byKey = new Map<string, string>();
  readonly #repliedTo = new Set<string>();
  readonly #maxPosts: number;
  readonly #now: () => number;
  readonly #ids: IdSequence;

  constructor(options: { maxPosts: number; now: () => number; ids: IdSequence }) {
    this.#maxPosts = options.maxPosts;
    this.#now = options.now;
    this.#ids = options.ids;
  }

  get size(): number {
    return this.#posts.size;
  }

  add(fields: NewPost): Post {
    const id = this.#ids.next();
    const post: Post = { ...fields, id, publishedAt: this.#now(), shortcode: shortcodeFor(id), requestHash: fields.requestHash ?? null };
    this.#posts.set(id, post);
    const list = this.#byAccount.get(post.accountId) ?? [];
    list.push(post);
    this.#byAccount.set(post.accountId, list);
    if (post.idempotencyKey) this.#byKey.set(post.idempotencyKey, id);
    if (post.replyToId) this.#repliedTo.add(post.replyToId);
    this.#evictOldest();
    return post;
  }

  get(id: string): Post | undefined {
    return this.#posts.get(id);
  }

  hasReplies(id: string): boolean {
    return this.#repliedTo.has(id);
  }

  byIdempotencyKey(key: string): Post | undefined {
    const id = this.#byKey.get(key);
    return id ? this.#posts.get(id) : undefined;
  }

  /** Oldest first. */
  all(): IterableIterator<Post> {
    return this.#posts.values();
  }

  /** An account's posts, oldest first. */
  ofAccount(accountId: string): readonly Post[] {
    return this.#byAccount.get(accountId) ?? [];
  }

  /** Posts (not replies) the account published through the Graph API since `since` (ms): its publishing quota usage. */
  graphPostsSince(accountId: string, since: number, replies: boolean): number {
    const list = this.ofAccount(accountId);
    let count = 0;
    for (let i = list.length - 1; i >= 0; i--) {
      const post = list[i]!;
      if (post.publishedAt <= since) break;
      if (post.source === "graph" && (post.replyToId !== null) === replies) count++;
    }
    return count;
  }

  /** Deprecated `GET /published?limit=`: newest first; `cursor` is the last id of the previous page. */
  page(options: { personaId?: string | undefined; limit: number; cursor?: string | undefined }): PostPage {
    const before = options.cursor ? BigInt(options.cursor) : undefined;
    const items: PublishedPost[] = [];
    const all = [...this.#posts.values()];
    for (let i = all.length - 1; i >= 0 && items.length <= options.limit; i--) {
      const post = all[i]!;
      if (before !== undefined && BigInt(post.id) >= before) continue;
      const view = toPublishedPost(post);
      if (options.personaId && view.persona_id !== options.personaId) continue;
      items.push(view);
    }
    const more = items.length > options.limit;
    const page = items.slice(0, options.limit);
    return { items: page, next_cursor: more ? (page.at(-1)?.id ?? null) : null };
  }

  #evictOldest(): void {
    while (this.#posts.size > this.#maxPosts) {
      const oldest = this.#posts.values().next().value as Post;
      this.#posts.delete(oldest.id);
      // The globally oldest post is the oldest of its account too.
      const list = this.#byAccount.get(oldest.accountId);
      if (list?.[0]?.id === oldest.id) list.shift();
      if (list?.length === 0) this.#byAccount.delete(oldest.accountId);
      if (oldest.idempotencyKey && this.#byKey.get(oldest.idempotencyKey) === oldest.id) this.#byKey.delete(oldest.idempotencyKey);
      this.#repliedTo.delete(oldest.id);
    }
  }
}
