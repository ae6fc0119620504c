import { QUEUES } from "@threads-agent/contracts";
import { isUniqueViolation } from "@threads-agent/db";
import { AppError } from "@threads-agent/http";
import { logErrors, startAtZero } from "@threads-agent/observability";
import { type Job, Queue, Worker } from "bullmq";
import { CronExpressionParser } from "cron-parser";
import { Redis } from "ioredis";
import type { OrchestratorDeps } from "../deps.ts";
import { submitTask } from "../tasks/submit-task.ts";

type SlotJob = { persona_id: string };
const schedulerId = (personaId: string) => `persona:${personaId}`;

/** Problems with a schedule, named by field (schedule.cron, schedule.timezone); empty when it is usable. */
export function scheduleProblems(schedule: { cron: string; timezone: string }): { field: string; message: string }[] {
  const problems: { field: string; message: string }[] = [];
  let zoneOk = true;
  try {
    new Intl.DateTimeFormat("en", { timeZone: schedule.timezone });
  } catch {
    zoneOk = false;
    problems.push({
      field: "schedule.timezone",
      message: `unknown time zone ${JSON.stringify(schedule.timezone)}; use an IANA name like Europe/Paris or UTC`,
    });
  }
  const fields = schedule.cron.trim().split(/\s+/).length;
  if (fields < 5 || fields > 6) {
    problems.push({
      field: "schedule.cron",
      message: `expected 5 fields (minute hour day month weekday) or 6 (seconds first); got ${fields}`,
    });
    return problems;
  }
  try {
    // The parser BullMQ itself runs the pattern with, so what is accepted here is what runs.
    CronExpressionParser.parse(schedule.cron, zoneOk ? { tz: schedule.timezone } : {}).next();
  } catch (err) {
    problems.push({ field: "schedule.cron", message: `not a valid cron pattern: ${(err as Error).message}` });
  }
  return problems;
}

export type PersonaSchedules = {
  /** Makes the persona's job scheduler match its stored schedule (upsert, or remove when it has none). */
  sync(persona: { id: string; schedule_cron: string | null; schedule_timezone: string | null }): Promise<void>;
  /** Every persona's (at start and every minute: Redis may have lost them). */
  syncAll(): Promise<void>;
  /** Creates the task of one slot; null when the slot already has one or there is nothing to write about. */
  runSlot(personaId: string, slotAt: Date): Promise<string | null>;
  start(): Promise<void>;
  stop(): Promise<void>;
};

const RESYNC_MS = 60_000;

/**
 * A BullMQ job scheduler per persona with a schedule (its cron pattern in its time zone). Each
 * slot's job creates one task from the persona's freshest unused trend (with `review` when the
 * schedule says so). Idempotent per slot: the scheduler makes one job per slot however many
 * replicas upsert it, and the task's (persona_id, slot_at) unique index refuses a second task for
 * a slot whose job ran twice (a crash after the commit). A slot with no unused trend is skipped.
 */
export function createPersonaSchedules(deps: Omit<OrchestratorDeps, "trends" | "schedules">): PersonaSchedules {
  const queue = new Queue<SlotJob>(QUEUES.personaSchedules, { connection: deps.redis, prefix: deps.config.REDIS_PREFIX });
  logErrors(deps.logger, "persona schedules queue", [queue]);
  let worker: Worker<SlotJob> | null = null;
  let blocking: Redis | null = null;
  let timer: NodeJS.Timeout | null = null;
  const full = deps as OrchestratorDeps;
  const slots = deps.metrics.counter(
    "schedule_slots_total",
    "Persona schedule slots, by outcome: created (a task), duplicate (the slot had its task), no_trend (skipped: nothing unused)",
    ["outcome"],
  );
  startAtZero(slots, { outcome: ["created", "duplicate", "no_trend"] });

  const schedules: PersonaSchedules = {
    async sync(persona) {
      if (!persona.schedule_cron) {
        await queue.removeJobScheduler(schedulerId(persona.id));
        return;
      }
      await queue.upsertJobScheduler(
        schedulerId(persona.id),
        { pattern: persona.schedule_cron, tz: persona.schedule_timezone ?? "UTC" },
        { name: "slot", data: { persona_id: persona.id }, opts: { removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } } },
      );
    },
    async syncAll() {
      const personas = await deps.db.persona.findMany({
        where: { schedule_cron: { not: null } },
        select: { id: true, schedule_cron: true, schedule_timezone: true },
      });
      const wanted = new Set(personas.map((p) => schedulerId(p.id)));
      for (const persona of personas) await schedules.sync(persona);
      // Schedulers of personas that no longer exist or have no schedule.
      for (const scheduler of await queue.getJobSchedulers(0, -1)) {
        const id = scheduler.key;
        if (id && !wanted.has(id)) await queue.removeJobScheduler(id);
      }
    },
    async runSlot(personaId, slotAt) {
      const persona = await deps.db.persona.findUnique({
        where: { id: personaId },
        select: { schedule_cron: true, schedule_review: true },
      });
      if (!persona?.schedule_cron) return null;
      try {
        const row = await submitTask(full, { persona_id: personaId, task_type: "trend", review: persona.schedule_review, slotAt });
        slots.inc({ outcome: "created" });
        deps.logger.info({ task_id: row.id, persona_id: personaId, slot_at: slotAt.toISOString() }, "scheduled slot: task created");
        return row.id;
      } catch (err) {
        if (isUniqueViolation(err)) {
          slots.inc({ outcome: "duplicate" });
          return null;
        }
        if (err instanceof AppError && err.code === "no-unused-trend") {
          slots.inc({ outcome: "no_trend" });
          deps.logger.warn(
            { persona_id: personaId, slot_at: slotAt.toISOString() },
            "scheduled slot skipped: the persona has no unused trend",
          );
          return null;
        }
        throw err;
      }
    },
    async start() {
      await schedules
        .syncAll()
        .catch((err: unknown) => deps.logger.warn({ err: { message: (err as Error).message } }, "could not sync persona schedules"));
      blocking = new Redis(deps.config.REDIS_URL, { maxRetriesPerRequest: null });
      blocking.on("error", () => {});
      worker = new Worker<SlotJob>(
        QUEUES.personaSchedules,
        async (job: Job<SlotJob>) => {
          // The scheduler's slot time (prevMillis), also in the job id (repeat:<scheduler>:<millis>).
          const millis = job.opts.prevMillis ?? Number(String(job.id).split(":").at(-1));
          return schedules.runSlot(job.data.persona_id, new Date(Number.isFinite(millis) ? millis : job.timestamp));
        },
        { connection: blocking, prefix: deps.config.REDIS_PREFIX, concurrency: 4 },
      );
      logErrors(deps.logger, "persona schedule worker", [worker]);
      timer = setInterval(() => {
        schedules
          .syncAll()
          .catch((err: unknown) => deps.logger.warn({ err: { message: (err as Error).message } }, "could not sync persona schedules"));
      }, RESYNC_MS);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await worker?.close();
      await blocking?.quit().catch(() => blocking?.disconnect());
      await queue.close();
    },
  };
  return schedules;
}
