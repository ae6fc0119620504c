import { type CreateRun, checkRepoUrl, newId, type RepoUrlPolicy, resolveVariations } from "@threads-agent/contracts";
import { insertRun, type RunWithVariations } from "@threads-agent/db";
import { ValidationFailed } from "@threads-agent/http";
import { injectTraceContext, inSpan, withEntity } from "@threads-agent/observability";
import type { OrchestratorDeps } from "../deps.ts";
import { assertRedisReady } from "../redis.ts";
import { addRunJob } from "./run-queue.ts";

export type RunSubmission = CreateRun & { id?: string; traceHeaders?: Record<string, string> };

export const repoPolicyOf = (config: OrchestratorDeps["config"]): RepoUrlPolicy => ({
  allowedHosts: config.REPO_HOST_ALLOWLIST,
  fileRoots: config.ALLOW_FILE_REPOS,
});

/** 400 naming repo_url, with the policy's reason: the client can fix the URL or ask for the host to be allowed. */
export function assertRepoAllowed(policy: RepoUrlPolicy, repoUrl: string): void {
  const check = checkRepoUrl(repoUrl, policy);
  if (!check.ok) throw new ValidationFailed([{ field: "repo_url", message: check.message }]);
}

/**
 * Accepts a run: the run, its variations and `run.queued` commit in one statement, the relay
 * publishes the event, then the job is enqueued (job id = run id). A failed enqueue loses nothing:
 * the reconciler enqueues runs left queued without a job.
 */
export async function submitRun(deps: OrchestratorDeps, submission: RunSubmission): Promise<RunWithVariations> {
  assertRepoAllowed(repoPolicyOf(deps.config), submission.repo_url);
  assertRedisReady(deps.redis);
  const id = submission.id ?? newId();
  const variations = resolveVariations(submission);
  return inSpan(
    "orchestrator",
    "run.submit",
    { carrier: submission.traceHeaders, attributes: { "run.id": id, "run.variations": variations.length } },
    () =>
      withEntity({ "run.id": id }, async () => {
        const trace = injectTraceContext();
        const created = await insertRun(deps.db, {
          id,
          repo_url: submission.repo_url,
          prompt: submission.prompt,
          check_command: submission.check_command ?? null,
          trace,
          variations: variations.map((v) => ({ id: newId(), index: v.index, model: v.model, temperature: v.temperature })),
        });
        deps.logger.info({ run_id: id, variations: variations.length }, "run accepted");
        await deps.relay.announce([created.announcement]);
        try {
          await addRunJob(deps.runQueue, { id, trace });
        } catch (err) {
          deps.logger.warn({ err, run_id: id }, "run committed but not enqueued; the reconciler will enqueue it");
        }
        return created.row;
      }),
  );
}
