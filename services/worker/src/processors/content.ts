import {
  type GenerateFrame,
  type GenerateRequest,
  type LlmCallRecord,
  newId,
  type Post,
  redisKeys,
  type TaskEvent,
} from "@threads-agent/contracts";
import {
  type Db,
  type EventFields,
  findTaskForWork,
  IllegalTransition,
  insertPostWithUsage,
  isTerminal,
  isUniqueViolation,
  type Lifecycle,
  lockPersonaPosts,
  type NearDuplicate,
  type NewLlmCall,
  nearDuplicateOf,
  type PostRow,
  type Prisma,
  rawSql,
  sourcesOf,
  TASK_LIFECYCLE,
  type TaskStatusValue,
  toLlmCallRow,
  toPost,
} from "@threads-agent/db";
import type { EventLog } from "@threads-agent/events";
import { inSpan, type Logger } from "@threads-agent/observability";
import type { Redis } from "ioredis";
import { DeferTask, PermanentError, RescheduleJob, TransientError } from "../errors.ts";
import type { WorkerMetrics } from "../metrics.ts";
import type { PersonaRuntimeClient } from "../persona-runtime-client.ts";
import { type CrashPoint, type PublishSettings, publishPost } from "../publishing/publish-post.ts";
import type { ThreadsAccounts } from "../publishing/threads-accounts.ts";
import type { HookArmsCache } from "./hook-arms-cache.ts";

export type ContentDeps = {
  db: Db;
  redis: Redis;
  prefix: string;
  /** Progress frames (step.*) go straight to the task's stream; state changes through `lifecycle`. */
  events: EventLog;
  lifecycle: Lifecycle;
  runtime: PersonaRuntimeClient;
  /** Which Threads account each persona publishes as, with its token. */
  accounts: ThreadsAccounts;
  publishing: PublishSettings;
  /** The near-duplicate check before a post is stored (pg_trgm similarity; a threshold above 1 turns it off). */
  nearDuplicates: { threshold: number; recent: number };
  /** Each persona's hook styles with the bandit's posteriors (kept for HOOK_STATS_TTL_MS). */
  hookArms: HookArmsCache;
  /** Schedules the insights readings of a post once it is published (insights/collect.ts). */
  insights?: { schedule(post: PostRow): Promise<void> };
  logger: Logger;
  metrics: WorkerMetrics;
  /** Test only (FAULT_CRASH_AT): kill the process at this point of a publish. */
  crash?: (point: CrashPoint) => void;
};

export type Outcome = "succeeded" | "blocked" | "cancelled" | "skipped" | "awaiting_review";

/**
 * A worker may end a task it holds from any active state: the reconciler may have queued it again
 * meanwhile, and a deferred task's job runs it again.
 */
const ACTIVE: readonly TaskStatusValue[] = ["queued", "running", "deferred", "scheduled"];
const PROGRESS = new Set(["step.started", "step.completed", "step.delta"]);
const CANCEL_CHECK_MS = 250;

/**
 * Drives one content task to a terminal state. Safe to run again for the same task at any point
 * (a retry, or a stalled job taken over from a killed worker, even while the old worker still
 * runs): a finished task is left alone, a stored post is not generated again, and the publish
 * follows the exactly-once protocol of publishPost (container and claim committed before
 * threads_publish, Threads asked before any second call), so each task has one post, published
 * once. Every status change is a state-machine transition committed with its event (the outbox);
 * a transition the task has moved past (someone else finished it) ends this attempt quietly.
 * A used-up publishing quota defers the task (`deferred`, then RescheduleJob for the queue).
 */
export async function processContentTask(deps: ContentDeps, taskId: string, attempt: number, signal: AbortSignal): Promise<Outcome> {
  const { db, logger } = deps;
  const log = logger.child({ task_id: taskId, attempt });
  // One statement for the task, its post and its persona with the account (Prisma's include is several).
  const task = await findTaskForWork(rawSql(db), taskId);
  if (!task) {
    log.warn("task row not found; dropping its job");
    return "skipped";
  }
  deps.metrics.personas([task.persona_id]);
  if (isTerminal(TASK_LIFECYCLE, task.status)) {
    log.info({ status: task.status }, "task already finished; nothing to do");
    return "skipped";
  }
  if (await cancelRequested(deps, taskId)) return finishCancelled(deps, taskId, task.persona_id);
  // A scheduled task's job ran before its time (it was added again without its delay): wait for it, no attempt spent.
  if (task.status === "scheduled" && task.publish_at && task.publish_at.getTime() > Date.now()) {
    throw new RescheduleJob(task.publish_at, "waiting for its publish_at");
  }

  try {
    await deps.lifecycle.task({
      id: taskId,
      to: "running",
      from: ACTIVE,
      set: { attempts: attempt, started_at: task.started_at ?? new Date(), deferred_until: null },
      event: { type: "task.started", attempt },
    });
  } catch (err) {
    if (err instanceof IllegalTransition) return "skipped";
    throw err;
  }
  const begun = performance.now();

  let post: PostRow | null = task.post;
  // The task's cost for the cost-per-post metric: from the statement that stored the post, or (a
  // post stored by an earlier attempt: no calls since) as the lookup read it; else read at the end.
  let costUsd: Prisma.Decimal | null = post ? task.cost_usd : null;
  if (!post) {
    const personaSpec = {
      id: task.persona.id,
      name: task.persona.name,
      emoji: task.persona.emoji,
      temperament: task.persona.temperament as "kind",
      description: task.persona.description,
      hook_prompt: task.persona.hook_prompt,
      body_prompt: task.persona.body_prompt,
      hook_model: task.persona.hook_model,
      body_model: task.persona.body_model,
    };
    // The persona's hook styles with their posteriors: persona-runtime's hook step draws one (Thompson sampling).
    const hookStyles = await deps.hookArms.of(task.persona_id);
    let avoid: string | undefined;
    for (let angle = 0; !post; angle++) {
      const final = await generateDraft(deps, {
        taskId,
        signal,
        request: {
          task_id: taskId,
          input: task.input,
          task_type: task.task_type as "trend" | "pain",
          persona: personaSpec,
          ...(hookStyles.length ? { hook_styles: hookStyles } : {}),
          ...(angle ? { angle, ...(avoid ? { avoid } : {}) } : {}),
        },
      });
      if (final === null) return finishCancelled(deps, taskId, task.persona_id);
      if (final.type === "error") {
        // Calls made before the failure were billed: they count toward the task's usage like any other.
        if (final.calls?.length) await recordCalls(deps, taskId, final.calls);
        if (final.retryable) throw new TransientError(final.code, final.message);
        throw new PermanentError(final.code, final.message);
      }
      if (final.type === "blocked") {
        await recordCalls(deps, taskId, final.calls);
        await endBlocked(deps, task.persona_id, taskId, "guardrail_blocked", final.reason);
        log.info({ reason: final.reason }, "task blocked by the guardrail");
        return "blocked";
      }
      const stored = await storePost(deps, task.id, task.persona_id, final);
      if ("post" in stored) {
        post = stored.post;
        costUsd = stored.costUsd;
        break;
      }
      // Too close to a recent post of the persona: one redraft from another angle, then blocked.
      await recordCalls(deps, taskId, final.calls);
      deps.metrics.nearDuplicates.inc({ persona_id: task.persona_id, outcome: angle === 0 ? "redrafted" : "blocked" });
      const why = `too close to post ${stored.duplicate.post_id} (trigram similarity ${stored.duplicate.similarity} >= ${deps.nearDuplicates.threshold})`;
      if (angle >= 1) {
        await endBlocked(deps, task.persona_id, taskId, "duplicate", `duplicate: the redraft is still ${why}`);
        log.info({ duplicate_of: stored.duplicate.post_id, similarity: stored.duplicate.similarity }, "task blocked: near-duplicate");
        return "blocked";
      }
      log.info(
        { duplicate_of: stored.duplicate.post_id, similarity: stored.duplicate.similarity },
        `draft ${why}; redrafting from another angle`,
      );
      avoid = stored.duplicate.text;
    }
  }
  if (!post) throw new Error("unreachable: no post after drafting");

  // A draft for review stops here (its job completes); approving it queues the task again to publish this post.
  if (task.review && !task.approved_at) return awaitReview(deps, taskId, post);

  if (await cancelRequested(deps, taskId)) {
    // Once a publish was claimed it may have happened: the task must find out, not stop half-way.
    if (!post.publish_attempted_at) return finishCancelled(deps, taskId, task.persona_id);
    log.warn("cancel requested while a publish of the post may be under way; finishing the publish");
  }

  if (!post.published_id || !post.permalink) {
    const publishStarted = performance.now();
    const unpublished = post;
    const account = await deps.accounts.forPersona(task.persona);
    try {
      post = await inSpan("worker", "threads.publish", { attributes: { "task.id": taskId, "threads.account": account.kind } }, () =>
        publishPost(
          { db, logger: log, metrics: deps.metrics, settings: deps.publishing, ...(deps.crash ? { crash: deps.crash } : {}) },
          unpublished,
          account,
          signal,
        ),
      );
    } catch (err) {
      if (err instanceof DeferTask) return defer(deps, taskId, err);
      throw err;
    }
    deps.metrics.latency.observe({ phase: "publish" }, (performance.now() - publishStarted) / 1000);
  }

  // Engagement read back at each INSIGHTS_SCHEDULE offset; a failure here must not fail a published task.
  if (deps.insights && post.published_id) {
    await deps.insights
      .schedule(post)
      .catch((err: unknown) =>
        log.warn({ err: { message: (err as Error).message }, post_id: post.id }, "could not schedule the post's insights readings"),
      );
  }

  const apiPost: Post = toPost(post);
  const done = await ended(deps, {
    id: taskId,
    to: "succeeded",
    set: { error_code: null, error_message: null, finished_at: new Date() },
    event: { type: "task.succeeded", post: apiPost },
  });
  if (done) {
    costUsd ??= (await db.task.findUniqueOrThrow({ where: { id: taskId }, select: { cost_usd: true } })).cost_usd;
    deps.metrics.postsGenerated.inc({ persona_id: task.persona_id, status: "succeeded" });
    deps.metrics.costPerPost.observe({ persona_id: task.persona_id }, Number(costUsd));
    deps.metrics.latency.observe({ phase: "total" }, (performance.now() - begun) / 1000);
    log.info({ post_id: post.id, published_id: post.published_id }, "task succeeded");
  }
  return "succeeded";
}

/** One draft from persona-runtime, its progress streamed to the task's events; null when the task was cancelled meanwhile. */
async function generateDraft(
  deps: ContentDeps,
  draft: { taskId: string; signal: AbortSignal; request: GenerateRequest },
): Promise<Extract<GenerateFrame, { type: "result" | "blocked" | "error" }> | null> {
  const { taskId, signal } = draft;
  const controller = new AbortController();
  const abort = () => controller.abort();
  signal.addEventListener("abort", abort, { once: true });
  let cancelled = false;
  let lastCancelCheck = performance.now();
  const generateStarted = performance.now();
  const final = await deps.runtime
    .generate(draft.request, {
      // The trace context (and the task's baggage) goes in the headers by the HTTP client's instrumentation.
      signal: controller.signal,
      onFrames: async (frames: GenerateFrame[]) => {
        if (cancelled) return;
        // A cancel takes effect within CANCEL_CHECK_MS even mid-step, without a Redis round
        // trip per streamed token.
        const boundary = frames.some((f) => f.type !== "step.delta");
        if (boundary || performance.now() - lastCancelCheck > CANCEL_CHECK_MS) {
          lastCancelCheck = performance.now();
          if (await cancelRequested(deps, taskId)) {
            cancelled = true;
            controller.abort();
            return;
          }
        }
        const progress = coalesceDeltas(frames.filter((f) => PROGRESS.has(f.type)) as TaskEvent[]);
        if (progress.length) await deps.events.appendMany("task", taskId, progress);
      },
    })
    .catch((err: unknown) => {
      if (cancelled) return null;
      throw err;
    })
    .finally(() => signal.removeEventListener("abort", abort));
  deps.metrics.latency.observe({ phase: "generate" }, (performance.now() - generateStarted) / 1000);
  return cancelled ? null : final;
}

/** Ends the task blocked: `guardrail_blocked` (the guardrail or a model refused) or `duplicate`. */
async function endBlocked(deps: ContentDeps, personaId: string, taskId: string, code: "guardrail_blocked" | "duplicate", reason: string) {
  const blocked = await ended(deps, {
    id: taskId,
    to: "blocked",
    set: { error_code: code, error_message: reason, finished_at: new Date() },
    event: { type: "task.blocked", reason, code },
  });
  if (blocked) deps.metrics.postsGenerated.inc({ persona_id: personaId, status: "blocked" });
}

/**
 * The account's publishing quota is used up: the task waits in `deferred` (with its event), and
 * its job is delayed until then without spending an attempt (RescheduleJob, for the queue).
 */
async function defer(deps: ContentDeps, taskId: string, deferral: DeferTask): Promise<never> {
  const until = deferral.until.toISOString();
  try {
    await deps.lifecycle.task({
      id: taskId,
      to: "deferred",
      from: ["running"],
      set: { deferred_until: deferral.until },
      event: { type: "task.deferred", until, reason: deferral.reason },
    });
  } catch (err) {
    // Someone else moved it on (a cancel): nothing to wait for.
    if (err instanceof IllegalTransition)
      throw new PermanentError("moved_on", `task ${taskId} left running while deferring: ${err.message}`);
    throw err;
  }
  deps.logger.info({ task_id: taskId, until, reason: deferral.reason }, "task deferred");
  throw new RescheduleJob(deferral.until, deferral.reason);
}

async function awaitReview(deps: ContentDeps, taskId: string, post: PostRow): Promise<Outcome> {
  try {
    await deps.lifecycle.task({
      id: taskId,
      to: "awaiting_review",
      from: ["running"],
      event: { type: "task.awaiting_review", post: toPost(post) },
    });
  } catch (err) {
    if (err instanceof IllegalTransition) return "skipped";
    throw err;
  }
  deps.logger.info({ task_id: taskId, post_id: post.id }, "draft awaits review");
  return "awaiting_review";
}

/** Consecutive deltas of one step become one event: same text, one stream entry instead of dozens. */
export function coalesceDeltas(events: TaskEvent[]): TaskEvent[] {
  const out: TaskEvent[] = [];
  for (const event of events) {
    const last = out.at(-1);
    if (event.type === "step.delta" && last?.type === "step.delta" && last.step === event.step) {
      out[out.length - 1] = { ...last, text: last.text + event.text };
    } else {
      out.push(event);
    }
  }
  return out;
}

/**
 * Post, its model calls and the task's usage totals, committed together; a concurrent attempt's
 * post wins. With the near-duplicate check on, first, under a per-persona lock (so two drafts of
 * one persona are compared one after the other), the draft is compared with the persona's recent
 * posts (pg_trgm): a near-duplicate is not stored, and the caller redrafts or blocks. The lock
 * needs an interactive transaction; without the check the three writes are one statement on the
 * raw path (no BEGIN/COMMIT round trips, no Prisma pipeline). Either way the task's cost after the
 * addition comes back with the post (null when a concurrent attempt's post won).
 */
async function storePost(
  deps: ContentDeps,
  taskId: string,
  personaId: string,
  result: { hook: string; body: string; text: string; hook_style?: string | null | undefined; calls: LlmCallRecord[] },
): Promise<{ post: PostRow; costUsd: Prisma.Decimal | null } | { duplicate: NearDuplicate }> {
  const settings = deps.nearDuplicates;
  const row = {
    id: newId(),
    task_id: taskId,
    persona_id: personaId,
    hook: result.hook,
    body: result.body,
    text: result.text,
    hook_style: result.hook_style ?? null,
  };
  try {
    if (settings.threshold > 1) {
      const stored = await insertPostWithUsage(
        rawSql(deps.db),
        row,
        result.calls.map((c) => toLlmCallRow(c, { task_id: taskId }) as NewLlmCall),
      );
      // Counted once stored, as in the transaction (a concurrent attempt's post winning counts nothing here).
      countCalls(deps, result.calls);
      return { post: stored.post, costUsd: stored.taskCostUsd };
    }
    return await deps.db.$transaction(async (tx) => {
      await lockPersonaPosts(tx, personaId);
      const duplicate = await nearDuplicateOf(tx, personaId, result.text, {
        threshold: settings.threshold,
        recent: settings.recent,
        excludeTaskId: taskId,
      });
      if (duplicate) return { duplicate };
      const post = await tx.post.create({ data: row });
      const [calls, usage] = callWrites(deps, tx, taskId, result.calls);
      await calls;
      return { post: post as PostRow, costUsd: (await usage).cost_usd };
    });
  } catch (err) {
    if (isUniqueViolation(err)) return { post: await deps.db.post.findUniqueOrThrow({ where: { task_id: taskId } }), costUsd: null };
    throw err;
  }
}

/**
 * Ends the task (from either active state); false when it had already ended (a cancel, or the
 * reconciler finishing a published task) so the caller counts the outcome once.
 */
async function ended(
  deps: ContentDeps,
  change: {
    id: string;
    to: "succeeded" | "blocked" | "failed" | "cancelled";
    set: Record<string, string | Date | null>;
    event: EventFields;
  },
): Promise<boolean> {
  try {
    // From the active states this end may be reached from (a deferred task fails or is cancelled, never succeeds unstarted).
    await deps.lifecycle.task({ ...change, from: sourcesOf(TASK_LIFECYCLE, change.to).filter((s) => ACTIVE.includes(s)) });
    return true;
  } catch (err) {
    if (err instanceof IllegalTransition) return false;
    throw err;
  }
}

async function recordCalls(deps: ContentDeps, taskId: string, calls: LlmCallRecord[]): Promise<void> {
  if (calls.length) await deps.db.$transaction(callWrites(deps, deps.db, taskId, calls));
}

function callWrites(deps: ContentDeps, db: Prisma.TransactionClient, taskId: string, calls: LlmCallRecord[]) {
  const totals = calls.reduce(
    (sum, c) => ({
      tokens_in: sum.tokens_in + c.tokens_in,
      tokens_out: sum.tokens_out + c.tokens_out,
      cost_usd: sum.cost_usd + c.cost_usd,
    }),
    { tokens_in: 0, tokens_out: 0, cost_usd: 0 },
  );
  countCalls(deps, calls);
  // Prisma's promises run when awaited (or batched by $transaction), in this order.
  const createCalls = db.llmCall.createMany({
    data: calls.map((c) => toLlmCallRow(c, { task_id: taskId })),
  });
  const addUsage = db.task.update({
    where: { id: taskId },
    data: {
      tokens_in: { increment: totals.tokens_in },
      tokens_out: { increment: totals.tokens_out },
      cost_usd: { increment: totals.cost_usd },
    },
    select: { cost_usd: true },
  });
  return [createCalls, addUsage] as [typeof createCalls, typeof addUsage];
}

function countCalls(deps: ContentDeps, calls: LlmCallRecord[]): void {
  for (const c of calls) deps.metrics.llmCost.inc({ provider: c.provider, model: c.model }, c.cost_usd);
}

async function cancelRequested(deps: ContentDeps, taskId: string): Promise<boolean> {
  return (await deps.redis.exists(redisKeys(deps.prefix).cancelTask(taskId))) === 1;
}

/** The worker holding a task is the one that ends it as cancelled (one writer per running task). */
async function finishCancelled(deps: ContentDeps, taskId: string, personaId: string): Promise<Outcome> {
  if (await ended(deps, { id: taskId, to: "cancelled", set: { finished_at: new Date() }, event: { type: "task.cancelled" } })) {
    deps.metrics.postsGenerated.inc({ persona_id: personaId, status: "cancelled" });
  }
  await deps.redis.del(redisKeys(deps.prefix).cancelTask(taskId));
  deps.logger.info({ task_id: taskId }, "task cancelled");
  return "cancelled";
}

/** Records a failed attempt: the final one fails the task, earlier ones announce the retry. */
export async function recordFailure(
  deps: ContentDeps,
  taskId: string,
  failure: { attempt: number; final: boolean; code: string; message: string; delayMs: number },
): Promise<void> {
  if (!failure.final) {
    // Not a status change (the task stays running), but viewers must see it: through the outbox all the same.
    await deps.lifecycle.event(
      { entity: "task", id: taskId },
      { type: "task.retrying", attempt: failure.attempt, error: failure.message, delay_ms: failure.delayMs },
    );
    deps.metrics.retries.inc({ code: failure.code });
    return;
  }
  const message = failure.attempt > 1 ? `${failure.message} (gave up after ${failure.attempt} attempts)` : failure.message;
  const failed = await ended(deps, {
    id: taskId,
    to: "failed",
    set: { error_code: failure.code, error_message: message, finished_at: new Date() },
    event: { type: "task.failed", error: { code: failure.code, message } },
  });
  if (failed) {
    const task = await deps.db.task.findUnique({ where: { id: taskId }, select: { persona_id: true } });
    if (task) deps.metrics.postsGenerated.inc({ persona_id: task.persona_id, status: "failed" });
  }
}
