import { QUEUES } from "@threads-agent/contracts";
import { parse } from "@threads-agent/http";
import type { FastifyInstance } from "fastify";
import { JOB_STATES } from "../metrics.ts";
import { assertRedisReady } from "../redis.ts";
import type { RouteDeps } from "./route-deps.ts";
import { NoQuery } from "./schemas.ts";

/** Queue depth per state. Failed jobs are the dead letters: POST /v1/tasks/:id/retry runs one again. */
export function registerQueueRoutes(app: FastifyInstance, deps: RouteDeps): void {
  app.get("/v1/queues", async (request) => {
    parse(NoQuery, request.query, "query");
    assertRedisReady(deps.tasks.redis);
    const counts = await deps.tasks.queue.getJobCounts(...JOB_STATES);
    const byState = Object.fromEntries(JOB_STATES.map((state) => [state, counts[state] ?? 0]));
    return { queues: [{ name: QUEUES.content, counts: byState }] };
  });
}
