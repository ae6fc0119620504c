import { IllegalTransition } from "@threads-agent/db";
import type { Logger } from "@threads-agent/observability";
import type { Worker } from "bullmq";
import type { ContentDeps } from "./processors/content.ts";

/** Whether the worker is handing its in-flight jobs back (the end of the shutdown grace period). */
export type HandBack = { active: boolean };

export const HANDED_BACK_REASON = "handed back at shutdown: another worker starts it";

/**
 * Closes the worker within the grace period: in-flight jobs get until `handBackAfterMs` to finish;
 * then every one still running is aborted (its AbortSignal: the generation stops, the processor
 * throws) and goes back to waiting with its lock released and no attempt spent, so another worker
 * starts it at once instead of after the lock expires. Resolves when the worker has closed.
 */
export async function closeHandingBack(
  worker: Pick<Worker, "close" | "cancelAllJobs">,
  options: { handBack: HandBack; handBackAfterMs: number; logger: Logger },
): Promise<void> {
  const closing = worker.close();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), options.handBackAfterMs);
  });
  const outcome = await Promise.race([closing.then(() => "closed" as const), late]);
  clearTimeout(timer);
  if (outcome === "late") {
    options.handBack.active = true;
    options.logger.warn({ after_ms: options.handBackAfterMs }, "grace period ending: handing in-flight jobs back");
    worker.cancelAllJobs("shutdown");
    await closing;
  }
}

/** The task goes back to `queued` with its event (viewers see why it starts over). */
export async function handBackTask(deps: Pick<ContentDeps, "lifecycle" | "logger">, taskId: string, error: string): Promise<void> {
  try {
    await deps.lifecycle.task({ id: taskId, to: "queued", from: ["running"], event: { type: "task.queued", reason: HANDED_BACK_REASON } });
  } catch (err) {
    // Not running any more (it finished, or was deferred just now): its job still goes back, and whoever takes it sees the state.
    // The database unreachable: the job goes back all the same; the next worker moves the task on from `running`.
    if (!(err instanceof IllegalTransition))
      deps.logger.warn({ task_id: taskId, err }, "could not record the hand-back; handing the job back anyway");
  }
  deps.logger.info({ task_id: taskId, stopped_by: error }, "job handed back at shutdown");
}
