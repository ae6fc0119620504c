// What tests read from a running fake-threads: every post of every account (the original bare
// `/published` list), the media containers with how often threads_publish named each one, and the
// test-only controls (faults, accounts, tokens, clock). Counting is done the way a person would on
// Threads: by the posts an account shows, matched by their text.
import type { Db } from "@threads-agent/db";

/** A post as the original `GET /published` lists it (Graph posts have their account's username as topic). */
export type FakeThreadsPost = { topic: string; content: string; id: string; published_at: string };
export type FakeThreadsContainer = {
  id: string;
  user_id: string;
  text: string;
  status: string;
  publish_calls: number;
  media_id: string | null;
  created_at: string;
};

async function call<T>(base: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? "GET" : "POST",
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`fake-threads ${path} answered ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

export const fakeThreads = (base: string) => ({
  /** Every post of every account, oldest first. */
  posts: () => call<FakeThreadsPost[]>(base, "/published"),
  /** The posts whose text is exactly `text`: how many times it went out on Threads. */
  async postsWithText(text: string): Promise<FakeThreadsPost[]> {
    return (await this.posts()).filter((p) => p.content === text);
  },
  containers: async () => (await call<{ items: FakeThreadsContainer[] }>(base, "/_containers")).items,
  /** threads_publish calls that named a container holding `text` (refused ones included). */
  async publishCalls(text: string): Promise<number> {
    return (await this.containers()).filter((c) => c.text === text).reduce((sum, c) => sum + c.publish_calls, 0);
  },
  fault: (rule: Record<string, unknown>) => call<unknown>(base, "/_faults", rule),
  clearFaults: () => fetch(`${base}/_faults`, { method: "DELETE" }).then(() => undefined),
  account: (username: string, extra: Record<string, unknown> = {}) =>
    call<{ id: string; username: string; access_token: string; expires_at: string }>(base, "/_accounts", { username, ...extra }),
  token: (userId: string, extra: { expires_in?: number; issued_ago?: number } = {}) =>
    call<{ access_token: string; expires_at: string }>(base, "/_tokens", { user_id: userId, ...extra }),
  expire: (accessToken: string) => call<null>(base, "/_tokens/expire", { access_token: accessToken }),
  revoke: (accessToken: string) => call<null>(base, "/_tokens/revoke", { access_token: accessToken }),
  advanceClock: (ms: number) => call<{ now: string }>(base, "/_clock", { advance_ms: ms }),
  /** Runs fake-threads' clock `speed` times as fast as real time (an accelerated clock for posts' ages). */
  clockSpeed: (speed: number) => call<{ now: string; speed: number }>(base, "/_clock", { speed }),
  /** fake-threads' accounts with their audience's preferred style and current followers. */
  accounts: async () =>
    (
      await call<{ items: { id: string; username: string; best_style: string; base_followers: number; followers: number }[] }>(
        base,
        "/_accounts",
      )
    ).items,
});
export type FakeThreads = ReturnType<typeof fakeThreads>;

/**
 * Threads posts beyond what the database says went out: for each distinct text of `rows` (post
 * rows), the posts fake-threads shows with it minus the rows holding it that record a media id
 * (never below 0). 0 means no post went out twice, and none went out unrecorded, even when two
 * tasks happen to write the same words.
 */
export function duplicatePublishes(
  posts: readonly FakeThreadsPost[],
  rows: readonly { text: string; published_id: string | null }[],
): number {
  const recorded = new Map<string, number>();
  for (const r of rows) recorded.set(r.text, (recorded.get(r.text) ?? 0) + (r.published_id ? 1 : 0));
  const seen = new Map<string, number>();
  for (const p of posts) if (recorded.has(p.content)) seen.set(p.content, (seen.get(p.content) ?? 0) + 1);
  let extra = 0;
  for (const [text, count] of seen) extra += Math.max(0, count - (recorded.get(text) ?? 0));
  return extra;
}

/**
 * A task's post as it went out on Threads: fake-threads' posts with its text, less those that
 * other tasks' rows hold (two tasks may write the same words). More than one is a double publish.
 */
export async function threadsPostsOfTask(db: Db, threads: FakeThreads, taskId: string): Promise<FakeThreadsPost[]> {
  const post = await db.post.findUnique({ where: { task_id: taskId }, select: { text: true } });
  if (!post) return [];
  const others = await db.post.findMany({
    where: { text: post.text, task_id: { not: taskId }, published_id: { not: null } },
    select: { published_id: true },
  });
  const taken = new Set(others.map((o) => o.published_id));
  return (await threads.postsWithText(post.text)).filter((p) => !taken.has(p.id));
}
