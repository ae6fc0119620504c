import { setTimeout as sleep } from "node:timers/promises";
import { fitsThreads, THREADS_MAX_CHARS, threadsLength } from "@threads-agent/contracts";
import { type Db, isUniqueViolation, type PostRow, rawSql, updatePostIf } from "@threads-agent/db";
import type { Logger } from "@threads-agent/observability";
import { ThreadsApiError, type ThreadsPost } from "@threads-agent/threads";
import { DeferTask, PermanentError, RescheduleJob, TransientError } from "../errors.ts";
import type { WorkerMetrics } from "../metrics.ts";
import { type PublishingAccount, threadsTaskError } from "./threads-accounts.ts";

/** Points of a publish where the test-only FAULT_CRASH_AT kills the worker. */
export type CrashPoint = "container_created" | "container_committed" | "publish_answered";

export type PublishSettings = {
  /** Deadline of threads_publish; past it the outcome is unknown. */
  publishTimeoutMs: number;
  /** How long past that deadline an earlier attempt's publish may still be under way. */
  graceMs: number;
  containerPollMs: number;
  containerTimeoutMs: number;
  /** Longest a quota deferral waits before checking again. */
  quotaRecheckMaxMs: number;
};

export type PublishContext = {
  db: Db;
  logger: Logger;
  metrics: WorkerMetrics;
  settings: PublishSettings;
  /** Test only: kill the process at this point (FAULT_CRASH_AT); absent in production. */
  crash?: (point: CrashPoint) => void;
};

// A container that expires (not published within 24 h, say after a long deferral) or that Threads
// forgot is replaced; more than this many in one attempt means something else is wrong.
const MAX_CONTAINERS_PER_ATTEMPT = 3;
const READ_BACK_TRIES = 3;

type ContainerOutcome = "FINISHED" | "PUBLISHED" | "EXPIRED" | "GONE";

/**
 * Publishes a post on Threads exactly once, without idempotency keys (docs/threads-publishing.md):
 *
 *  1. one media container per post, its id committed (conditionally: a concurrent attempt's
 *     container wins) before threads_publish is ever called for it;
 *  2. the container polled until FINISHED, the quota checked (used up: the task is deferred);
 *  3. a claim (a conditional UPDATE counting publish_attempts) committed before threads_publish,
 *     so of two attempts racing on one post only one calls it;
 *  4. the media id committed, then the permalink read back.
 *
 * An attempt that finds a claim (a crash, a lost answer, a timeout, or another worker) asks
 * Threads first: the container's status PUBLISHED means the post exists, and its media id is
 * recovered from the account's recent threads; FINISHED means it does not, but only once the
 * claim is old enough that no publish can still be in flight (until then the job is delayed). So
 * threads_publish is never called twice for one post's published container.
 */
export async function publishPost(ctx: PublishContext, post: PostRow, account: PublishingAccount, signal?: AbortSignal): Promise<PostRow> {
  const log = ctx.logger.child({ task_id: post.task_id, post_id: post.id, persona_id: account.persona.id, account: account.kind });
  try {
    return await publishSteps(ctx, log, post, account, signal);
  } catch (err) {
    if (err instanceof DeferTask || err instanceof RescheduleJob || err instanceof PermanentError || err instanceof TransientError)
      throw err;
    throw threadsTaskError(err, account);
  }
}

async function publishSteps(
  ctx: PublishContext,
  log: Logger,
  post: PostRow,
  account: PublishingAccount,
  signal: AbortSignal | undefined,
): Promise<PostRow> {
  let row = post;
  if (row.published_id) return row.permalink ? row : readBack(ctx, log, row, account);
  // persona-runtime formats within the limit; a post from before that (or edited by hand) fails here, not as a container ERROR.
  if (!fitsThreads(row.text)) {
    throw new PermanentError(
      "threads_text_too_long",
      `The post is ${threadsLength(row.text)} characters as Threads counts them (emoji count as their UTF-8 bytes); the limit is ${THREADS_MAX_CHARS}.`,
    );
  }

  for (let round = 0; round < MAX_CONTAINERS_PER_ATTEMPT; round++) {
    if (!row.threads_container_id) row = await createContainer(ctx, log, row, account);
    const containerId = row.threads_container_id as string;

    let outcome: ContainerOutcome;
    if (row.publish_attempted_at) {
      // A publish of this post may have happened: ask Threads before anything else.
      outcome = await settleEarlierAttempt(ctx, log, row, account, signal);
    } else {
      outcome = await waitUntilReady(ctx, row, account, signal);
    }
    if (outcome === "PUBLISHED") return recover(ctx, log, row, account);
    if (outcome === "GONE") {
      const found = await findOurPost(ctx, row, account);
      if (found) return record(ctx, log, row, account, found, "recovered");
    }
    if (outcome === "EXPIRED" || outcome === "GONE") {
      // Never published (an expired container cannot have been; a forgotten one is not in the account's threads): start over.
      log.info({ container_id: containerId, outcome }, "container cannot be published; creating a new one");
      row = await dropContainer(ctx, row);
      continue;
    }

    await checkQuota(ctx, account);

    const claimed = await claim(ctx, row);
    if (!claimed) {
      // Another attempt claimed it a moment ago: the next round sees its claim and waits for it.
      row = await reload(ctx, row);
      if (row.published_id) return row.permalink ? row : readBack(ctx, log, row, account);
      continue;
    }
    row = claimed;

    let mediaId: string;
    try {
      mediaId = await account.client.publishContainer(account.userId, containerId);
    } catch (err) {
      if (!(err instanceof ThreadsApiError)) throw err;
      if (err.kind === "unknown_outcome") {
        ctx.metrics.threadsPublishes.inc({ outcome: "unknown" });
        log.warn(
          { container_id: containerId, err: { message: err.message } },
          "publish outcome unknown; asking Threads before anything else",
        );
        const after = await settleEarlierAttempt(ctx, log, row, account, signal);
        if (after === "PUBLISHED") return recover(ctx, log, row, account);
        // settleEarlierAttempt delays the job while our own publish may still land; anything else is a new round.
        row = await reload(ctx, row);
        continue;
      }
      if (err.code === 24) {
        // "Not publishable": maybe another attempt published it after all. Ask rather than assume.
        const state = await account.client.containerStatus(containerId);
        if (state.status === "PUBLISHED") return recover(ctx, log, row, account);
        if (state.status === "EXPIRED") {
          row = await dropContainer(ctx, row);
          continue;
        }
      }
      // Threads refused it: nothing was published. Release the claim so no later attempt waits for it.
      await release(ctx, row);
      ctx.metrics.threadsPublishes.inc({ outcome: "refused" });
      if (err.quotaExhausted) throw await deferral(ctx, account);
      throw err;
    }
    ctx.crash?.("publish_answered");
    return record(ctx, log, row, account, { id: mediaId, permalink: null, timestamp: null, text: null, username: null }, "published");
  }
  throw new TransientError(
    "threads_container",
    `Threads did not keep a media container for this post ${MAX_CONTAINERS_PER_ATTEMPT} times in a row; trying again later`,
  );
}

/** Step 1: a container, committed only if the post has none yet (a concurrent attempt's container wins). */
async function createContainer(ctx: PublishContext, log: Logger, row: PostRow, account: PublishingAccount): Promise<PostRow> {
  const containerId = await account.client.createTextContainer(account.userId, row.text);
  ctx.crash?.("container_created");
  const committed = await updatePostIf(
    rawSql(ctx.db),
    row.id,
    { threads_container_id: null, published_id: null },
    { threads_container_id: containerId, container_created_at: new Date() },
  );
  if (!committed)
    // Never published: it expires on Threads after 24 h, and containers do not count toward the quota.
    log.info({ container_id: containerId }, "another attempt committed a container first; this one stays unused");
  else log.info({ container_id: containerId }, "container created");
  ctx.crash?.("container_committed");
  return committed ?? reload(ctx, row);
}

async function waitUntilReady(
  ctx: PublishContext,
  row: PostRow,
  account: PublishingAccount,
  signal?: AbortSignal,
): Promise<ContainerOutcome> {
  try {
    const state = await account.client.waitForContainer(row.threads_container_id as string, {
      pollMs: ctx.settings.containerPollMs,
      timeoutMs: ctx.settings.containerTimeoutMs,
      ...(signal ? { signal } : {}),
    });
    return state.status === "PUBLISHED" ? "PUBLISHED" : "FINISHED";
  } catch (err) {
    if (err instanceof ThreadsApiError && err.container?.status === "EXPIRED") return "EXPIRED";
    if (err instanceof ThreadsApiError && err.container?.status === "ERROR")
      throw new PermanentError("threads_container_failed", err.message, { cause: err });
    if (isUnknownObject(err)) return "GONE";
    throw err;
  }
}

/**
 * The post has a publish claim: an earlier attempt (or this one, whose answer was lost) may have
 * published it. PUBLISHED: it did. FINISHED: it did not, once the claim is older than a publish
 * can take (until then the job is delayed, so a publish still under way is never doubled).
 */
async function settleEarlierAttempt(
  ctx: PublishContext,
  log: Logger,
  row: PostRow,
  account: PublishingAccount,
  signal?: AbortSignal,
): Promise<ContainerOutcome> {
  const containerId = row.threads_container_id as string;
  let status: string;
  try {
    status = (await account.client.containerStatus(containerId)).status;
  } catch (err) {
    if (isUnknownObject(err)) return "GONE";
    throw err;
  }
  if (status === "PUBLISHED" || status === "EXPIRED") return status;
  if (status === "ERROR" || status === "IN_PROGRESS") {
    const ready = await waitUntilReady(ctx, row, account, signal);
    if (ready !== "FINISHED") return ready;
  }
  // FINISHED: not published (yet). The claim decides whether a publish may still land.
  const claimedAt = (row.publish_attempted_at as Date).getTime();
  const settledAt = claimedAt + ctx.settings.publishTimeoutMs + ctx.settings.graceMs;
  if (Date.now() < settledAt) {
    log.info(
      { container_id: containerId, until: new Date(settledAt).toISOString() },
      "a publish may still be under way; waiting before deciding",
    );
    throw new RescheduleJob(
      new Date(settledAt),
      "an earlier publish attempt of this post may still be under way; Threads is asked again once it must have ended",
    );
  }
  log.info({ container_id: containerId, claimed_at: row.publish_attempted_at }, "the earlier publish attempt did not publish; publishing");
  return "FINISHED";
}

/** The container says PUBLISHED but we have no media id: find the post in the account's recent threads. Never publishes. */
async function recover(ctx: PublishContext, log: Logger, row: PostRow, account: PublishingAccount): Promise<PostRow> {
  const found = await findOurPost(ctx, row, account);
  if (!found) {
    throw new TransientError(
      "threads_recovery_pending",
      `Container ${row.threads_container_id} is PUBLISHED but its post is not in the account's recent threads yet; looking again on the next attempt (it is never published twice)`,
    );
  }
  return record(ctx, log, row, account, found, "recovered");
}

async function findOurPost(ctx: PublishContext, row: PostRow, account: PublishingAccount): Promise<ThreadsPost | null> {
  // Two posts with the same text: each row takes the earliest one no other row holds.
  const taken = await ctx.db.post.findMany({
    where: { text: row.text, id: { not: row.id }, published_id: { not: null } },
    select: { published_id: true },
  });
  return account.client.findRecentThread(account.userId, {
    text: row.text,
    since: row.container_created_at ?? row.created_at,
    exclude: new Set(taken.map((t) => t.published_id as string)),
  });
}

/** Step 4: the media id (once: only a row without one takes it), then the permalink. */
async function record(
  ctx: PublishContext,
  log: Logger,
  row: PostRow,
  account: PublishingAccount,
  media: ThreadsPost,
  how: "published" | "recovered",
): Promise<PostRow> {
  let written: PostRow | null;
  try {
    written = await updatePostIf(
      rawSql(ctx.db),
      row.id,
      { published_id: null },
      { published_id: media.id, published_at: media.timestamp ?? new Date(), permalink: media.permalink },
    );
    if (written) {
      ctx.metrics.threadsPublishes.inc({ outcome: how });
      log.info(
        { container_id: row.threads_container_id, published_id: media.id, how },
        how === "published" ? "published" : "recovered a publish whose answer was lost",
      );
    }
  } catch (err) {
    if (isUniqueViolation(err))
      throw new TransientError(
        "threads_recovery_conflict",
        `Threads post ${media.id} is already held by another post; looking again on the next attempt`,
      );
    throw err;
  }
  const current = written ?? (await reload(ctx, row));
  return current.permalink ? current : readBack(ctx, log, current, account);
}

/** `GET /{media-id}?fields=id,permalink,timestamp`. The post is published whatever happens here: a failure only leaves the permalink empty. */
async function readBack(ctx: PublishContext, log: Logger, row: PostRow, account: PublishingAccount): Promise<PostRow> {
  for (let attempt = 1; ; attempt++) {
    try {
      const media = await account.client.getMedia(row.published_id as string);
      const updated = await updatePostIf(
        rawSql(ctx.db),
        row.id,
        {},
        { permalink: media.permalink, ...(media.timestamp ? { published_at: media.timestamp } : {}) },
      );
      // No row: the post is gone (its task deleted); the reload fails as post.update did.
      return updated ?? reload(ctx, row);
    } catch (err) {
      const transient = err instanceof ThreadsApiError && err.transient;
      if (!transient || attempt >= READ_BACK_TRIES) {
        log.warn(
          { published_id: row.published_id, err: { message: (err as Error).message } },
          "published, but the permalink could not be read back",
        );
        return row;
      }
      await sleep(250 * attempt);
    }
  }
}

async function checkQuota(ctx: PublishContext, account: PublishingAccount): Promise<void> {
  const limit = await account.client.publishingLimit(account.userId);
  if (limit.remaining > 0) return;
  throw await deferral(ctx, account, limit);
}

/**
 * When to try again with the quota used up: when the oldest post in the rolling window leaves it,
 * but at most THREADS_QUOTA_RECHECK_MAX_MS from now (then the limit is checked again, and the task
 * deferred again if need be).
 */
async function deferral(
  ctx: PublishContext,
  account: PublishingAccount,
  limit?: { quotaUsage: number; quotaTotal: number; quotaDurationSeconds: number },
): Promise<DeferTask> {
  const now = Date.now();
  const windowMs = (limit?.quotaDurationSeconds ?? 86_400) * 1000;
  let until = now + ctx.settings.quotaRecheckMaxMs;
  try {
    let after: string | undefined;
    let oldest: Date | null = null;
    for (let page = 0; page < 3; page++) {
      const threads = await account.client.recentThreads(account.userId, {
        since: new Date(now - windowMs),
        limit: 100,
        ...(after ? { after } : {}),
      });
      oldest = threads.items.at(-1)?.timestamp ?? oldest;
      if (!threads.nextCursor) break;
      after = threads.nextCursor;
    }
    if (oldest) until = Math.min(until, Math.max(now + 1000, oldest.getTime() + windowMs + 1000));
  } catch {
    // The upper bound stands: the limit is checked again then.
  }
  ctx.metrics.threadsPublishes.inc({ outcome: "deferred" });
  const usage = limit ? ` (${limit.quotaUsage} of ${limit.quotaTotal} posts in the last ${Math.round(windowMs / 3_600_000)} h)` : "";
  return new DeferTask(new Date(until), `the Threads publishing quota of ${account.persona.id}'s account is used up${usage}`);
}

/** Step 3: the claim. Only the attempt whose UPDATE matches the count it read gets to call threads_publish. */
async function claim(ctx: PublishContext, row: PostRow): Promise<PostRow | null> {
  return updatePostIf(
    rawSql(ctx.db),
    row.id,
    { published_id: null, threads_container_id: row.threads_container_id, publish_attempts: row.publish_attempts },
    { publish_attempted_at: new Date(), publish_attempts: { increment: 1 } },
  );
}

/** A refused publish happened for certain not to publish: drop our claim (only ours: the count must still be ours). */
async function release(ctx: PublishContext, row: PostRow): Promise<void> {
  await updatePostIf(
    rawSql(ctx.db),
    row.id,
    { published_id: null, publish_attempts: row.publish_attempts },
    { publish_attempted_at: null },
  );
}

/** A container that was never published (expired, or unknown to Threads) is forgotten, with its claim. */
async function dropContainer(ctx: PublishContext, row: PostRow): Promise<PostRow> {
  const dropped = await updatePostIf(
    rawSql(ctx.db),
    row.id,
    { published_id: null, threads_container_id: row.threads_container_id },
    { threads_container_id: null, container_created_at: null, publish_attempted_at: null },
  );
  return dropped ?? reload(ctx, row);
}

// The compare-and-set steps above are single raw statements (updatePostIf) that return the row as
// written; a reload is left for when a step's conditions did not hold.
const reload = (ctx: PublishContext, row: PostRow) => ctx.db.post.findUniqueOrThrow({ where: { id: row.id } });

/** Graph error 100 with subcode 33: the object does not exist (Threads forgot the container). */
const isUnknownObject = (err: unknown) => err instanceof ThreadsApiError && err.code === 100 && err.subcode === 33;
