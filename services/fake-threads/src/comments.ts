import { randomBytes } from "node:crypto";

/** A comment as the original threads-agent fake-threads kept them (`/posts/{post_id}/comments`). */
export type Comment = { id: string; post_id: string; text: string; author: string; timestamp: string };

const PER_POST = 1_000;

/**
 * Comments by post id, in memory. As in the original, any post id is accepted (the comment
 * monitor's tests comment on ids like "post_123"); memory stays bounded: at most `maxPosts` posts
 * with comments (the oldest forgotten) and the newest 1000 comments of each.
 */
export class CommentStore {
  readonly #byPost = new Map<string, Comment[]>();
  readonly #now: () => number;
  readonly #maxPosts: number;

  constructor(options: { now: () => number; maxPosts: number }) {
    this.#now = options.now;
    this.#maxPosts = options.maxPosts;
  }

  list(postId: string): Comment[] {
    return this.#byPost.get(postId) ?? [];
  }

  add(postId: string, fields: { text: string; author: string }): Comment {
    const comment: Comment = {
      id: `comment_${randomBytes(4).toString("hex")}`,
      post_id: postId,
      text: fields.text,
      author: fields.author,
      // The original wrote naive UTC with a Z appended: 2026-11-21T10:00:00.123456Z.
      timestamp: new Date(this.#now()).toISOString(),
    };
    const list = this.#byPost.get(postId) ?? [];
    list.push(comment);
    if (list.length > PER_POST) list.shift();
    this.#byPost.delete(postId);
    this.#byPost.set(postId, list);
    while (this.#byPost.size > this.#maxPosts) this.#byPost.delete(this.#byPost.keys().next().value as string);
    return comment;
  }
}
