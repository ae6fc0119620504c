import { agentRunJobOptions, type CreateRun, checkRepoUrl, newId, resolveVariations } from "@threads-agent/contracts";
import type { RunWithVariations } from "@threads-agent/db";
import { ValidationFailed } from "@threads-agent/http";
import { injectTraceContext, inSpan } from "@threads-agent/observability";
import { assertRedisReady } from "../redis.ts";
import { announceRun, type RunContext } from "./run-context.ts";

export type RunSubmission = CreateRun & { id?: string; traceHeaders?: Record<string, string> };

/** 400 naming repo_url, with the policy's reason: the client can fix the URL or ask for the host to be allowed. */
export function assertRepoAllowed(ctx: RunContext, repoUrl: string): void {
  const check = checkRepoUrl(repoUrl, ctx.repoPolicy);
  if (!check.ok) throw new ValidationFailed([{ field: "repo_url", message: check.message }]);
}

/**
 * Accepts a run: the run and its variations are committed in one transaction, then `run.queued`
 * is appended and the job enqueued (job id = run id). A failed enqueue loses nothing: the
 * launcher's sweeper enqueues runs left queued without a job.
 */
export async function submitRun(ctx: RunContext, submission: RunSubmission): Promise<RunWithVariations> {
  assertRepoAllowed(ctx, submission.repo_url);
  assertRedisReady(ctx.redis);
  const id = submission.id ?? newId();
  const variations = resolveVariations(submission);
  return inSpan(
    "orchestrator",
    "run.submit",
    { carrier: submission.traceHeaders, attributes: { "run.id": id, "run.variations": variations.length } },
    async () => {
      const trace = injectTraceContext();
      const row = await ctx.db.run.create({
        data: {
          id,
          repo_url: submission.repo_url,
          prompt: submission.prompt,
          trace,
          variations: { create: variations.map((v) => ({ id: newId(), index: v.index, model: v.model, temperature: v.temperature })) },
        },
        include: { variations: { orderBy: { index: "asc" } } },
      });
      ctx.logger.info({ run_id: id, variations: variations.length }, "run accepted");
      await announceRun(ctx, id, { type: "run.queued", variations: variations.length });
      try {
        await ctx.queue.add("run", { run_id: id, ...(Object.keys(trace).length ? { trace } : {}) }, agentRunJobOptions(id));
      } catch (err) {
        ctx.logger.warn({ err, run_id: id }, "run committed but not enqueued; the launcher's sweeper will enqueue it");
      }
      return row;
    },
  );
}
