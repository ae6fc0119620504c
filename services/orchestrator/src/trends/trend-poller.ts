import { QUEUES, type TrendPoll } from "@threads-agent/contracts";
import { insertTrends, type TrendSourceRow, toTrendSource } from "@threads-agent/db";
import { logErrors, startAtZero } from "@threads-agent/observability";
import { type Job, Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import type { OrchestratorDeps } from "../deps.ts";
import { createFeedFetcher, type FeedFetcher, type FeedPolicy } from "./feed-fetch.ts";
import { parseFeed } from "./feed-parse.ts";

/** Sources polled at once in one pass. */
const POLL_CONCURRENCY = 4;
const SCHEDULER_ID = "poll-all";

function trendMetrics(deps: Pick<OrchestratorDeps, "metrics">) {
  const polls = deps.metrics.counter("trend_polls_total", "Trend source polls, by outcome (ok, failed)", ["outcome"]);
  startAtZero(polls, { outcome: ["ok", "failed"] });
  const stored = deps.metrics.counter("trends_stored_total", "Feed items stored as new trends (items seen before are not counted)");
  return { polls, stored };
}

/** Fetches, parses and stores one source's items; the source row records the outcome. */
export async function pollSource(
  deps: Pick<OrchestratorDeps, "db" | "logger" | "metrics">,
  fetcher: FeedFetcher,
  source: TrendSourceRow,
): Promise<TrendPoll> {
  const metrics = trendMetrics(deps);
  let fetched = 0;
  let added = 0;
  let title = source.title;
  let error: string | null = null;
  try {
    const feed = await parseFeed(await fetcher.fetch(source.url));
    fetched = feed.items.length;
    title = feed.title ?? title;
    added = await insertTrends(deps.db, source, feed.items);
  } catch (err) {
    error = (err as Error).message.slice(0, 500);
    deps.logger.warn({ source_id: source.id, persona_id: source.persona_id, err: error }, "trend source poll failed");
  }
  const updated = await deps.db.trendSource
    .update({
      where: { id: source.id },
      data: { last_polled_at: new Date(), last_error: error, title },
      include: { _count: { select: { trends: true } } },
    })
    .catch(() => null);
  metrics.polls.inc({ outcome: error ? "failed" : "ok" });
  if (added) metrics.stored.inc(added);
  if (!error) deps.logger.info({ source_id: source.id, persona_id: source.persona_id, fetched, added }, "trend source polled");
  return { source: toTrendSource(updated ?? source), fetched, added };
}

export type TrendPoller = {
  fetcher: FeedFetcher;
  /** Polls one source now (POST /v1/trend-sources and its /poll). */
  poll(source: TrendSourceRow): Promise<TrendPoll>;
  /** Every source, a few at a time. */
  pollAll(): Promise<{ sources: number; added: number }>;
  start(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * Polls every trend source each TREND_POLL_SECONDS through a BullMQ job scheduler: however many
 * orchestrator replicas upsert it, the scheduler makes one job per interval and one replica's
 * worker runs it. Storing is idempotent anyway (one row per persona and item).
 */
export function createTrendPoller(
  deps: Omit<OrchestratorDeps, "trends" | "schedules">,
  options: { policy: FeedPolicy; everySeconds: number },
): TrendPoller {
  const fetcher = createFeedFetcher(options.policy);
  trendMetrics(deps);
  const queue = new Queue(QUEUES.trends, { connection: deps.redis, prefix: deps.config.REDIS_PREFIX });
  logErrors(deps.logger, "trends queue", [queue]);
  let worker: Worker | null = null;
  let blocking: Redis | null = null;

  const poller: TrendPoller = {
    fetcher,
    poll: (source) => pollSource(deps, fetcher, source),
    async pollAll() {
      const sources = await deps.db.trendSource.findMany({ orderBy: { id: "asc" } });
      let added = 0;
      for (let i = 0; i < sources.length; i += POLL_CONCURRENCY) {
        const polls = await Promise.all(sources.slice(i, i + POLL_CONCURRENCY).map((s) => pollSource(deps, fetcher, s)));
        added += polls.reduce((sum, p) => sum + p.added, 0);
      }
      return { sources: sources.length, added };
    },
    async start() {
      await queue.upsertJobScheduler(
        SCHEDULER_ID,
        { every: options.everySeconds * 1000 },
        { name: SCHEDULER_ID, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } },
      );
      // BullMQ's blocking commands need a connection of their own that retries forever.
      blocking = new Redis(deps.config.REDIS_URL, { maxRetriesPerRequest: null });
      // Its errors are the worker's (BullMQ re-emits them there): logged once below.
      blocking.on("error", () => {});
      worker = new Worker(QUEUES.trends, async (_job: Job) => poller.pollAll(), {
        connection: blocking,
        prefix: deps.config.REDIS_PREFIX,
        concurrency: 1,
      });
      logErrors(deps.logger, "trend poller", [worker]);
    },
    async stop() {
      await worker?.close();
      await blocking?.quit().catch(() => blocking?.disconnect());
      await queue.close();
      await fetcher.close();
    },
  };
  return poller;
}
