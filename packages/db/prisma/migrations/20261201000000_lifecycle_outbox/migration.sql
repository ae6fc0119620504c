-- Statuses become enums (one state machine per entity: packages/db/src/lifecycle), the
-- transactional outbox, revival counts for the reconciler, and updated_at defaults so that single
-- SQL statements can insert and update rows. Existing rows keep their statuses.

CREATE TYPE "task_status" AS ENUM ('queued', 'running', 'succeeded', 'failed', 'blocked', 'cancelled');
CREATE TYPE "run_status" AS ENUM ('queued', 'running', 'succeeded', 'partially_failed', 'failed', 'cancelled');
CREATE TYPE "variation_status" AS ENUM ('queued', 'scheduled', 'running', 'succeeded', 'failed', 'cancelled');

ALTER TABLE "tasks" ALTER COLUMN "status" DROP DEFAULT;
ALTER TABLE "tasks" ALTER COLUMN "status" TYPE "task_status" USING "status"::"task_status";
ALTER TABLE "tasks" ALTER COLUMN "status" SET DEFAULT 'queued';
ALTER TABLE "tasks" ADD COLUMN "revivals" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "tasks" ALTER COLUMN "updated_at" SET DEFAULT CURRENT_TIMESTAMP;

ALTER TABLE "runs" ALTER COLUMN "status" DROP DEFAULT;
ALTER TABLE "runs" ALTER COLUMN "status" TYPE "run_status" USING "status"::"run_status";
ALTER TABLE "runs" ALTER COLUMN "status" SET DEFAULT 'queued';
ALTER TABLE "runs" ADD COLUMN "revivals" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "runs" ALTER COLUMN "updated_at" SET DEFAULT CURRENT_TIMESTAMP;

ALTER TABLE "variations" ALTER COLUMN "status" DROP DEFAULT;
ALTER TABLE "variations" ALTER COLUMN "status" TYPE "variation_status" USING "status"::"variation_status";
ALTER TABLE "variations" ALTER COLUMN "status" SET DEFAULT 'queued';
ALTER TABLE "variations" ALTER COLUMN "updated_at" SET DEFAULT CURRENT_TIMESTAMP;

ALTER TABLE "personas" ALTER COLUMN "updated_at" SET DEFAULT CURRENT_TIMESTAMP;

CREATE TABLE "outbox" (
    "id" BIGSERIAL NOT NULL,
    "entity" TEXT NOT NULL,
    "entity_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "envelope" JSON NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),
    "stream_id" TEXT,

    CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "outbox_entity_entity_id_id_idx" ON "outbox"("entity", "entity_id", "id");
-- The relay's scan: only unsent rows, which are few (not expressible in schema.prisma).
CREATE INDEX "outbox_unsent_idx" ON "outbox"("id") WHERE "sent_at" IS NULL;
-- The reconciler's scan of unfinished work by age.
CREATE INDEX "tasks_status_updated_at_idx" ON "tasks"("status", "updated_at");
CREATE INDEX "runs_status_updated_at_idx" ON "runs"("status", "updated_at");
