import { newId, QUEUES } from "@threads-agent/contracts";
import { type Db, isUniqueViolation, type ThreadsAccountRow } from "@threads-agent/db";
import { type Logger, logErrors } from "@threads-agent/observability";
import { tokenContext, tokenFingerprint } from "@threads-agent/threads";
import { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { WorkerMetrics } from "../metrics.ts";
import type { ThreadsAccounts } from "./threads-accounts.ts";

export type RefreshDeps = { db: Db; accounts: ThreadsAccounts; logger: Logger; metrics: WorkerMetrics };
export type RefreshSummary = { refreshed: number; failed: number };

const SCHEDULER_ID = "refresh-threads-tokens";

/**
 * Refreshes every long-lived Threads token that expires within `aheadMs`
 * (`GET {host}/refresh_access_token?grant_type=th_refresh_token`): the personas' linked accounts,
 * and the default account's THREADS_ACCESS_TOKEN, whose refresh is stored under the variable's
 * fingerprint (the variable itself cannot be rewritten). Each new token is stored encrypted with a
 * conditional UPDATE, so an account linked again meanwhile is not overwritten. Failures are kept on
 * the row (`refresh_error`, never with a token) and logged; publishing goes on with the old token
 * while it lasts.
 */
export async function refreshDueTokens(deps: RefreshDeps, aheadMs: number, now = Date.now()): Promise<RefreshSummary> {
  const summary: RefreshSummary = { refreshed: 0, failed: 0 };
  const { accounts, db, logger } = deps;
  const cipher = accounts.cipher;
  const due = new Date(now + aheadMs);

  if (cipher) {
    const rows = await db.threadsAccount.findMany({ where: { token_expires_at: { lt: due } }, orderBy: { token_expires_at: "asc" } });
    for (const row of rows) {
      const owner = row.persona_id ? `persona ${row.persona_id}` : "the default account (THREADS_ACCESS_TOKEN)";
      const context = row.persona_id ? tokenContext.persona(row.persona_id) : tokenContext.seed(row.seed_hash as string);
      try {
        if (row.token_expires_at && row.token_expires_at.getTime() <= now)
          throw new Error(
            `the token expired at ${row.token_expires_at.toISOString()} and cannot be refreshed: ${
              row.persona_id
                ? `link the account again (PUT /v1/personas/${row.persona_id}/threads-account)`
                : "set a new THREADS_ACCESS_TOKEN"
            }`,
          );
        const current = cipher.decrypt(row.token_ciphertext, context);
        const fresh = await accounts.base.refreshToken(current);
        const stored = await db.threadsAccount.updateMany({
          where: { id: row.id, token_ciphertext: row.token_ciphertext },
          data: {
            token_ciphertext: cipher.encrypt(fresh.accessToken, context),
            token_expires_at: fresh.expiresAt,
            token_refreshed_at: new Date(now),
            refresh_error: null,
          },
        });
        if (stored.count === 1) {
          summary.refreshed++;
          deps.metrics.tokenRefreshes.inc({ outcome: "refreshed" });
          logger.info({ account: owner, user_id: row.user_id, expires_at: fresh.expiresAt.toISOString() }, "Threads token refreshed");
        }
        if (!row.persona_id) accounts.invalidateDefault();
      } catch (err) {
        summary.failed++;
        await recordFailure(deps, row, owner, err);
      }
    }
  }

  // THREADS_ACCESS_TOKEN itself, until a refresh of it is stored (from then on the row above is refreshed).
  const env = accounts.envToken;
  if (env) {
    const seed = tokenFingerprint(env);
    if (!(await db.threadsAccount.findUnique({ where: { seed_hash: seed }, select: { id: true } }))) {
      try {
        const info = await accounts.base.withToken(env).tokenInfo();
        if (info.expiresAt && info.expiresAt.getTime() < due.getTime()) {
          if (!cipher) {
            logger.warn(
              { expires_at: info.expiresAt.toISOString() },
              "THREADS_ACCESS_TOKEN expires soon and cannot be refreshed without TOKEN_ENCRYPTION_KEY (the refreshed token must be stored): set the key, or replace the token",
            );
          } else {
            const fresh = await accounts.base.refreshToken(env);
            const userId = await accounts.defaultUserId();
            await db.threadsAccount.create({
              data: {
                id: newId(),
                seed_hash: seed,
                user_id: userId,
                token_ciphertext: cipher.encrypt(fresh.accessToken, tokenContext.seed(seed)),
                token_expires_at: fresh.expiresAt,
                token_refreshed_at: new Date(now),
              },
            });
            accounts.invalidateDefault();
            summary.refreshed++;
            deps.metrics.tokenRefreshes.inc({ outcome: "refreshed" });
            logger.info(
              { account: "default", expires_at: fresh.expiresAt.toISOString() },
              "THREADS_ACCESS_TOKEN refreshed; the new token is stored",
            );
          }
        }
      } catch (err) {
        // Another replica stored it first: that one is used.
        if (!isUniqueViolation(err)) {
          summary.failed++;
          deps.metrics.tokenRefreshes.inc({ outcome: "failed" });
          logger.warn({ err: { message: (err as Error).message } }, "could not refresh THREADS_ACCESS_TOKEN");
        }
      }
    }
  }
  return summary;
}

async function recordFailure(deps: RefreshDeps, row: ThreadsAccountRow, owner: string, err: unknown): Promise<void> {
  // ThreadsApiError and TokenDecryptError messages never carry a token.
  const message = (err as Error)?.message ?? String(err);
  deps.metrics.tokenRefreshes.inc({ outcome: "failed" });
  deps.logger.warn({ account: owner, user_id: row.user_id, err: { message } }, "Threads token refresh failed");
  await deps.db.threadsAccount
    .updateMany({ where: { id: row.id, token_ciphertext: row.token_ciphertext }, data: { refresh_error: message.slice(0, 1000) } })
    .catch(() => {});
}

export type TokenRefreshSchedule = { worker: Worker; queue: Queue; close(): Promise<void> };

/**
 * The refresh as a BullMQ job scheduler: every replica upserts the same scheduler, BullMQ makes one
 * job per interval, one worker runs it. A missed run is harmless: tokens are refreshed a week ahead.
 */
export async function scheduleTokenRefresh(
  deps: RefreshDeps,
  options: { connection: Redis; prefix: string; intervalMs: number; aheadMs: number },
): Promise<TokenRefreshSchedule> {
  const queue = new Queue(QUEUES.threadsAccounts, { connection: options.connection, prefix: options.prefix });
  logErrors(deps.logger, "token refresh queue", [queue]);
  const upsert = () =>
    queue.upsertJobScheduler(
      SCHEDULER_ID,
      { every: options.intervalMs },
      { name: "refresh-tokens", opts: { removeOnComplete: { count: 20 }, removeOnFail: { count: 50 } } },
    );
  await upsert();
  // The scheduler lives in Redis: one that restarted empty gets it back when this worker reconnects.
  const reschedule = () => {
    upsert().catch((err: unknown) =>
      deps.logger.warn({ err: { message: (err as Error).message } }, "could not schedule the token refresh"),
    );
  };
  options.connection.on("ready", reschedule);
  // Its own blocking connection: the content worker's blocks on its own queue.
  const blocking = options.connection.duplicate({ maxRetriesPerRequest: null });
  const worker = new Worker(QUEUES.threadsAccounts, async () => refreshDueTokens(deps, options.aheadMs), {
    connection: blocking,
    prefix: options.prefix,
    concurrency: 1,
  });
  logErrors(deps.logger, "token refresh worker", [worker]);
  return {
    worker,
    queue,
    async close() {
      options.connection.off("ready", reschedule);
      await worker.close();
      await queue.close();
      blocking.disconnect();
    },
  };
}
