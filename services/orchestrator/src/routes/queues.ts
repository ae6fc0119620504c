import { QUEUES } from "@threads-agent/contracts";
import { parse } from "@threads-agent/http";
import type { Queue } from "bullmq";
import type { FastifyInstance } from "fastify";
import { JOB_STATES } from "../metrics.ts";
import { assertRedisReady } from "../redis.ts";
import type { RouteDeps } from "./route-deps.ts";
import { NoQuery } from "./schemas.ts";

/**
 * Queue depth per state, for both queues. Failed jobs are the dead letters: POST
 * /v1/tasks/:id/retry runs a task again; a run's failures are final (its variations' output stays).
 */
export function registerQueueRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const queues = [
    { name: QUEUES.content, queue: deps.deps.taskQueue as Queue },
    { name: QUEUES.agentRuns, queue: deps.deps.runQueue as Queue },
  ];
  app.get("/v1/queues", async (request) => {
    parse(NoQuery, request.query, "query");
    assertRedisReady(deps.deps.redis);
    return {
      queues: await Promise.all(
        queues.map(async ({ name, queue }) => {
          const counts = await queue.getJobCounts(...JOB_STATES);
          return { name, counts: Object.fromEntries(JOB_STATES.map((state) => [state, counts[state] ?? 0])) };
        }),
      ),
    };
  });
}
