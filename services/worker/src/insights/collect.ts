// Engagement read back from Threads: each published post's insights at every INSIGHTS_SCHEDULE
// offset (BullMQ delayed jobs, one per post and offset), and each account's follower count (with
// every reading, and once a day by a job scheduler). Threads being down or rate-limiting defers a
// reading (the job is delayed again with backoff); it never touches the post's task, which is done.
import { InsightsJob, QUEUES } from "@threads-agent/contracts";
import { type Db, type PostRow, recordFollowers, recordInsight } from "@threads-agent/db";
import { type Logger, logErrors } from "@threads-agent/observability";
import { backoffDelay } from "@threads-agent/resilience";
import { ThreadsApiError } from "@threads-agent/threads";
import { DelayedError, type Job, Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { PermanentError } from "../errors.ts";
import type { WorkerMetrics } from "../metrics.ts";
import type { ThreadsAccounts } from "../publishing/threads-accounts.ts";

export type InsightsSettings = {
  /** Offsets after the publish at which insights are read (INSIGHTS_SCHEDULE), ms, ascending. */
  scheduleMs: readonly number[];
  /** The longest wait between two tries of a deferred reading. */
  retryMaxMs: number;
  /** A reading deferred for longer than this is given up (logged and counted). */
  giveUpMs: number;
};

export type InsightsDeps = { db: Db; accounts: ThreadsAccounts; logger: Logger; metrics: WorkerMetrics; settings: InsightsSettings };

const FOLLOWERS_SCHEDULER_ID = "collect-follower-counts";
type JobData = InsightsJob & { first_try_at?: number; deferrals?: number };

/** The Threads outcomes worth waiting out: an outage, a timeout, a rate limit. */
const deferrable = (err: unknown) =>
  err instanceof ThreadsApiError && (err.kind === "unavailable" || err.kind === "rate_limited" || err.kind === "unknown_outcome");

/** The readings of one post: a delayed job per offset, its id `<post>-<offset ms>` so scheduling twice adds nothing. */
export async function scheduleReadings(queue: Queue, settings: InsightsSettings, post: Pick<PostRow, "id">): Promise<void> {
  await queue.addBulk(
    settings.scheduleMs.map((offsetMs) => ({
      name: "post-insights",
      data: { post_id: post.id, offset_s: Math.round(offsetMs / 1000) } satisfies InsightsJob,
      opts: {
        jobId: `${post.id}-${offsetMs}`,
        delay: offsetMs,
        removeOnComplete: { age: 86_400, count: 10_000 },
        removeOnFail: { age: 7 * 86_400 },
      },
    })),
  );
}

/**
 * The backstop for posts whose readings were never scheduled (the worker died between the publish
 * and the scheduling, or the reconciler finished the published task): every post published within
 * the schedule's span that has no reading yet gets its readings now, from now. Job ids make this
 * a no-op for posts whose jobs are still waiting. Runs with the daily follower counts.
 */
export async function scheduleMissingReadings(db: Db, queue: Queue, settings: InsightsSettings, now = Date.now()): Promise<number> {
  const span = Math.max(...settings.scheduleMs);
  const posts = await db.post.findMany({
    where: { published_id: { not: null }, published_at: { gte: new Date(now - span) }, insights: { none: {} } },
    select: { id: true },
    take: 10_000,
  });
  for (const post of posts) await scheduleReadings(queue, settings, post);
  return posts.length;
}

export type Reading = "stored" | "gone";

/**
 * Reads a post's insights and its account's follower count and stores both. Throws a
 * ThreadsApiError the caller defers on (see `deferrable`); a post that cannot be read any more
 * (deleted, its account unlinked or its token refused) is "gone".
 */
export async function readPostInsights(deps: InsightsDeps, job: InsightsJob, at = new Date()): Promise<Reading> {
  const { db, logger } = deps;
  const post = await db.post.findUnique({
    where: { id: job.post_id },
    include: { persona: { include: { threads_account: true } } },
  });
  if (!post?.published_id) {
    logger.info({ post_id: job.post_id }, "insights: the post is gone or was never published; nothing to read");
    return "gone";
  }
  let account: Awaited<ReturnType<ThreadsAccounts["forPersona"]>>;
  try {
    account = await deps.accounts.forPersona(post.persona);
  } catch (err) {
    if (err instanceof PermanentError) {
      logger.warn({ post_id: post.id, err: { message: err.message } }, "insights: no Threads account to read with");
      return "gone";
    }
    throw err;
  }
  try {
    const counts = await account.client.mediaInsights(post.published_id);
    await recordInsight(db, post.id, job.offset_s, counts, at);
    const followers = await account.client.followerCount(account.userId);
    await recordFollowers(db, post.persona_id, account.userId, followers, at);
    return "stored";
  } catch (err) {
    if (err instanceof ThreadsApiError && (err.kind === "invalid" || err.kind === "token")) {
      logger.warn(
        { post_id: post.id, published_id: post.published_id, err: { message: err.message } },
        "insights: Threads refused the reading",
      );
      return "gone";
    }
    throw err;
  }
}

/**
 * Every persona's follower count: one call per Threads account (personas sharing the default
 * account share its count), stored for each persona. Accounts Threads cannot answer for are logged.
 */
export async function collectFollowerCounts(deps: InsightsDeps, at = new Date()): Promise<{ stored: number; failed: number }> {
  const personas = await deps.db.persona.findMany({ include: { threads_account: true }, orderBy: { id: "asc" } });
  const byAccount = new Map<string, Promise<number>>();
  let stored = 0;
  let failed = 0;
  for (const persona of personas) {
    try {
      const account = await deps.accounts.forPersona(persona);
      let count = byAccount.get(account.userId);
      if (!count) {
        count = account.client.followerCount(account.userId);
        byAccount.set(account.userId, count);
      }
      await recordFollowers(deps.db, persona.id, account.userId, await count, at);
      stored++;
    } catch (err) {
      failed++;
      deps.logger.warn({ persona_id: persona.id, err: { message: (err as Error).message } }, "could not collect the follower count");
    }
  }
  return { stored, failed };
}

export type InsightsService = {
  queue: Queue;
  worker: Worker;
  /** What the content processor calls once a post is published (ContentDeps.insights). */
  schedule(post: PostRow): Promise<void>;
  /** Collects every follower count now, through the queue (what the daily scheduler does). */
  collectFollowersNow(): Promise<void>;
  close(): Promise<void>;
};

/**
 * The insights queue with its worker and the daily follower-count scheduler. Its own blocking
 * connection: the content worker blocks on its own queue.
 */
export async function startInsights(
  deps: InsightsDeps,
  options: { connection: Redis; prefix: string; followersIntervalMs: number; concurrency?: number },
): Promise<InsightsService> {
  const queue = new Queue(QUEUES.insights, { connection: options.connection, prefix: options.prefix });
  logErrors(deps.logger, "insights queue", [queue]);
  const upsert = () =>
    queue.upsertJobScheduler(
      FOLLOWERS_SCHEDULER_ID,
      { every: options.followersIntervalMs },
      { name: "followers", opts: { removeOnComplete: { count: 20 }, removeOnFail: { count: 50 } } },
    );
  await upsert();
  const reschedule = () => {
    upsert().catch((err: unknown) => deps.logger.warn({ err: { message: (err as Error).message } }, "could not schedule follower counts"));
  };
  options.connection.on("ready", reschedule);

  const blocking = options.connection.duplicate({ maxRetriesPerRequest: null });
  const worker = new Worker(
    QUEUES.insights,
    async (job: Job, token?: string) => {
      if (job.name === "followers") {
        const rescheduled = await scheduleMissingReadings(deps.db, queue, deps.settings);
        return { ...(await collectFollowerCounts(deps)), rescheduled };
      }
      const data = job.data as JobData;
      const parsed = InsightsJob.parse(data);
      try {
        const outcome = await readPostInsights(deps, parsed);
        deps.metrics.insightReadings.inc({ outcome });
        return outcome;
      } catch (err) {
        if (!deferrable(err)) throw err;
        const firstTry = data.first_try_at ?? Date.now();
        const deferrals = (data.deferrals ?? 0) + 1;
        if (Date.now() - firstTry > deps.settings.giveUpMs) {
          deps.metrics.insightReadings.inc({ outcome: "gone" });
          deps.logger.warn(
            { post_id: parsed.post_id, offset_s: parsed.offset_s, deferrals },
            "insights: Threads did not answer for too long; reading given up",
          );
          return "gone";
        }
        const waitMs = Math.min(deps.settings.retryMaxMs, backoffDelay(deferrals, { baseMs: 1000 }));
        deps.metrics.insightReadings.inc({ outcome: "deferred" });
        deps.logger.info(
          { post_id: parsed.post_id, offset_s: parsed.offset_s, retry_in_ms: waitMs, err: { message: (err as Error).message } },
          "insights: Threads unavailable; reading deferred",
        );
        await job.updateData({ ...data, first_try_at: firstTry, deferrals });
        await job.moveToDelayed(Date.now() + waitMs, token);
        throw new DelayedError();
      }
    },
    { connection: blocking, prefix: options.prefix, concurrency: options.concurrency ?? 4, autorun: true },
  );
  logErrors(deps.logger, "insights worker", [worker]);
  return {
    queue,
    worker,
    schedule: (post) => scheduleReadings(queue, deps.settings, post),
    async collectFollowersNow() {
      await queue.add("followers", {}, { removeOnComplete: { count: 20 }, removeOnFail: { count: 50 } });
    },
    async close() {
      options.connection.off("ready", reschedule);
      await worker.close();
      await queue.close();
      blocking.disconnect();
    },
  };
}
