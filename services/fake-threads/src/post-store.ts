import { type IdSequence, shortcodeFor } from "./ids.ts";

/** How a post got here: the Graph API, or the original `POST /publish {topic, content}`. */
export type PostSource = "graph" | "original";

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
  /** Original publish: the caller's topic. */
  topic: string | null;
};

export type NewPost = Omit<Post, "id" | "publishedAt" | "shortcode">;

/**
 * Every published post, in memory and in publish order, whichever API published it, with an index
 * per account (the Graph lists). Beyond `maxPosts` the oldest are forgotten.
 */
export class PostStore {
  readonly #posts = new Map<string, Post>();
  readonly #byAccount = new Map<string, Post[]>();
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
    const post: Post = { ...fields, id, publishedAt: this.#now(), shortcode: shortcodeFor(id) };
    this.#posts.set(id, post);
    const list = this.#byAccount.get(post.accountId) ?? [];
    list.push(post);
    this.#byAccount.set(post.accountId, list);
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

  #evictOldest(): void {
    while (this.#posts.size > this.#maxPosts) {
      const oldest = this.#posts.values().next().value as Post;
      this.#posts.delete(oldest.id);
      // The globally oldest post is the oldest of its account too.
      const list = this.#byAccount.get(oldest.accountId);
      if (list?.[0]?.id === oldest.id) list.shift();
      if (list?.length === 0) this.#byAccount.delete(oldest.accountId);
      this.#repliedTo.delete(oldest.id);
    }
  }
}
