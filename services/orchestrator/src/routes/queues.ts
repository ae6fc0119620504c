import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import { JOB_STATES } from "../metrics.ts";
import { assertRedisReady } from "../redis.ts";
import type { RouteDeps } from "./route-deps.ts";
import { COMMON_PROBLEMS, NoQuery, problems } from "./schemas.ts";

const QueueDepths = z
  .object({
    queues: z.array(z.object({ name: z.string(), counts: z.record(z.string(), z.number().int()) })),
  })
  .meta({ id: "QueueDepths" });

/**
 * Queue depth per state, for every work queue (content, agent-runs, agent-ships). Failed jobs are the dead letters: POST
 * /v1/tasks/:id/retry runs a task again; a run's failures are final (its variations' output stays).
 * Mounted under /v1.
 */
export const queueRoutes = (deps: RouteDeps): FastifyPluginAsyncZod =>
  async function queueRoutes(app) {
    const queues = deps.deps.workQueues;
    app.get(
      "/queues",
      {
        schema: {
          summary: "Queue depth per state",
          tags: ["ops"],
          querystring: NoQuery,
          response: { 200: QueueDepths, ...problems(...COMMON_PROBLEMS) },
        },
      },
      async () => {
        assertRedisReady(deps.deps.redis);
        return {
          queues: await Promise.all(
            queues.map(async ({ name, queue }) => {
              const counts = await queue.getJobCounts(...JOB_STATES);
              return { name, counts: Object.fromEntries(JOB_STATES.map((state) => [state, counts[state] ?? 0])) };
            }),
          ),
        };
      },
    );
  };
