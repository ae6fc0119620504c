-- Trend sources and their items, persona schedules, and tasks that wait for a time (scheduled) or
-- a person (awaiting_review, rejected). Generated with prisma migrate diff. It only adds columns
-- with defaults or nulls, so the rows that exist keep working.

-- AlterEnum (PostgreSQL 12+ may add several values in one transaction, and none is used in it)
ALTER TYPE "task_status" ADD VALUE 'scheduled' AFTER 'deferred';
ALTER TYPE "task_status" ADD VALUE 'awaiting_review' AFTER 'scheduled';
ALTER TYPE "task_status" ADD VALUE 'rejected' AFTER 'cancelled';

-- AlterTable
ALTER TABLE "personas" ADD COLUMN     "schedule_cron" TEXT,
ADD COLUMN     "schedule_review" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "schedule_timezone" TEXT;

-- AlterTable
ALTER TABLE "tasks" ADD COLUMN     "approved_at" TIMESTAMPTZ(3),
ADD COLUMN     "publish_at" TIMESTAMPTZ(3),
ADD COLUMN     "review" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "slot_at" TIMESTAMPTZ(3),
ADD COLUMN     "trend_id" UUID;

-- CreateTable
CREATE TABLE "trend_sources" (
    "id" UUID NOT NULL,
    "persona_id" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "title" TEXT,
    "last_polled_at" TIMESTAMPTZ(3),
    "last_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "trend_sources_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "trends" (
    "id" UUID NOT NULL,
    "persona_id" TEXT NOT NULL,
    "source_id" UUID,
    "guid" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "link" TEXT,
    "summary" TEXT,
    "published_at" TIMESTAMPTZ(3),
    "fetched_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "used_at" TIMESTAMPTZ(3),

    CONSTRAINT "trends_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "trend_sources_persona_id_url_key" ON "trend_sources"("persona_id", "url");

-- CreateIndex
CREATE INDEX "trends_persona_id_used_at_published_at_idx" ON "trends"("persona_id", "used_at", "published_at");

-- CreateIndex
CREATE UNIQUE INDEX "trends_persona_id_guid_key" ON "trends"("persona_id", "guid");

-- CreateIndex
CREATE UNIQUE INDEX "tasks_trend_id_key" ON "tasks"("trend_id");

-- CreateIndex
CREATE UNIQUE INDEX "tasks_persona_id_slot_at_key" ON "tasks"("persona_id", "slot_at");

-- AddForeignKey
ALTER TABLE "tasks" ADD CONSTRAINT "tasks_trend_id_fkey" FOREIGN KEY ("trend_id") REFERENCES "trends"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "trend_sources" ADD CONSTRAINT "trend_sources_persona_id_fkey" FOREIGN KEY ("persona_id") REFERENCES "personas"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "trends" ADD CONSTRAINT "trends_persona_id_fkey" FOREIGN KEY ("persona_id") REFERENCES "personas"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "trends" ADD CONSTRAINT "trends_source_id_fkey" FOREIGN KEY ("source_id") REFERENCES "trend_sources"("id") ON DELETE SET NULL ON UPDATE CASCADE;

