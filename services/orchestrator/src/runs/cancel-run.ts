import { agentRunJobOptions, runRedisKeys, TERMINAL_RUN_STATUSES, TERMINAL_VARIATION_STATUSES } from "@threads-agent/contracts";
import type { RunWithVariations } from "@threads-agent/db";
import { Conflict, NotFound } from "@threads-agent/http";
import { assertRedisReady } from "../redis.ts";
import { announceRun, type RunContext } from "./run-context.ts";

/** `cancelled`: the run has ended. `cancelling`: a launcher holds it and is stopping its workloads. */
export type RunCancellation = { run: RunWithVariations; outcome: "cancelled" | "cancelling" };

const TERMINAL_RUNS = [...TERMINAL_RUN_STATUSES];
const load = (ctx: RunContext, id: string) =>
  ctx.db.run.findUniqueOrThrow({ where: { id }, include: { variations: { orderBy: { index: "asc" } } } });

/**
 * Cancels a queued or running run. The flag goes on the row first (the launcher's backstop), then
 * a message tells the launcher holding the run to delete its Jobs / kill its processes. A run no
 * launcher has taken yet is withdrawn from the queue and cancelled right here. Waits briefly for
 * the launcher, so the common case answers with the final state.
 */
export async function cancelRun(ctx: RunContext, id: string, waitMs = 5000): Promise<RunCancellation> {
  assertRedisReady(ctx.redis);
  const run = await ctx.db.run.findUnique({ where: { id }, select: { status: true } });
  if (!run) throw new NotFound("Run", id);
  if (TERMINAL_RUNS.includes(run.status as never)) throw notCancellable(run.status);

  const flagged = await ctx.db.run.updateMany({
    where: { id, status: { notIn: TERMINAL_RUNS } },
    data: { cancel_requested_at: new Date() },
  });
  if (flagged.count === 0) throw notCancellable((await ctx.db.run.findUniqueOrThrow({ where: { id } })).status);
  await ctx.redis.publish(runRedisKeys(ctx.prefix).cancelChannel, id);

  const job = await ctx.queue.getJob(id);
  // remove() refuses a locked job: a launcher holds it, and the message above reaches it.
  const withdrawn = job
    ? await job.remove().then(
        () => true,
        () => false,
      )
    : true;
  if (withdrawn && run.status === "queued") {
    const now = new Date();
    const [, updated] = await ctx.db.$transaction([
      ctx.db.variation.updateMany({
        where: { run_id: id, status: { notIn: [...TERMINAL_VARIATION_STATUSES] } },
        data: { status: "cancelled", reason: "cancelled by the user", finished_at: now },
      }),
      ctx.db.run.updateMany({ where: { id, status: "queued" }, data: { status: "cancelled", finished_at: now } }),
    ]);
    if (updated.count) {
      ctx.logger.info({ run_id: id }, "run cancelled before a launcher took it");
      await announceRun(ctx, id, { type: "run.cancelled" });
    }
  } else if (withdrawn) {
    // Started earlier but between attempts (or its job was lost): its workloads may still run, so a
    // launcher must take it now to delete them; it sees the flag and cancels.
    await ctx.queue.add("run", { run_id: id }, agentRunJobOptions(id));
  }

  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    const current = await load(ctx, id);
    if (TERMINAL_RUNS.includes(current.status as never)) return { run: current, outcome: "cancelled" };
    await new Promise((r) => setTimeout(r, 100));
  }
  ctx.logger.info({ run_id: id }, "cancel requested from the launcher running the run");
  return { run: await load(ctx, id), outcome: "cancelling" };
}

function notCancellable(status: string): Conflict {
  return new Conflict(`Run already ${status.replace("_", " ")}; only queued or running runs can be cancelled`, "run-not-cancellable");
}
