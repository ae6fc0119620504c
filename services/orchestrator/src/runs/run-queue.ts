import { type AgentRunJob, type AgentShipJob, agentRunJobOptions, agentShipJobOptions, QUEUES } from "@threads-agent/contracts";
import { queueTelemetry, withExtractedContext } from "@threads-agent/observability";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";

export type RunQueue = Queue<AgentRunJob>;

export function createRunQueue(connection: Redis, prefix: string): RunQueue {
  return new Queue<AgentRunJob>(QUEUES.agentRuns, { connection, prefix, telemetry: queueTelemetry() });
}

/** Adds the run's job (job id = run id, so adding one that exists is a no-op). */
export async function addRunJob(queue: RunQueue, run: { id: string; trace?: unknown }): Promise<void> {
  const trace =
    run.trace && typeof run.trace === "object" && Object.keys(run.trace).length ? (run.trace as Record<string, string>) : undefined;
  // Outside a request (the reconciler), the job's producer span joins the trace the run was created in.
  await withExtractedContext(trace, () => queue.add("run", { run_id: run.id, ...(trace ? { trace } : {}) }, agentRunJobOptions(run.id)));
}

export type ShipQueue = Queue<AgentShipJob>;

export function createShipQueue(connection: Redis, prefix: string): ShipQueue {
  return new Queue<AgentShipJob>(QUEUES.agentShips, { connection, prefix, telemetry: queueTelemetry() });
}

/** Adds a push's job (job id = ship id). */
export async function addShipJob(queue: ShipQueue, ship: { id: string; trace?: unknown }): Promise<void> {
  const trace =
    ship.trace && typeof ship.trace === "object" && Object.keys(ship.trace).length ? (ship.trace as Record<string, string>) : undefined;
  await withExtractedContext(trace, () =>
    queue.add("ship", { ship_id: ship.id, ...(trace ? { trace } : {}) }, agentShipJobOptions(ship.id)),
  );
}
