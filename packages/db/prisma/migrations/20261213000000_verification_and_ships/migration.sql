-- Verification per variation and pushes of a run's winner. Written from `prisma migrate diff`
-- (schema.prisma before and after). New columns are nullable and the table is new, so rows of a
-- database in use are kept as they are (their variations read as "not verified").

-- CreateEnum
CREATE TYPE "ship_status" AS ENUM ('queued', 'pushing', 'pushed', 'failed');

-- AlterTable
ALTER TABLE "variations" ADD COLUMN     "outcome" TEXT,
ADD COLUMN     "score" INTEGER,
ADD COLUMN     "verification" JSONB;

-- CreateTable
CREATE TABLE "run_ships" (
    "id" UUID NOT NULL,
    "run_id" UUID NOT NULL,
    "variation" INTEGER NOT NULL,
    "branch" TEXT NOT NULL,
    "status" "ship_status" NOT NULL DEFAULT 'queued',
    "job" TEXT,
    "commit" TEXT,
    "base" TEXT,
    "code" TEXT,
    "reason" TEXT,
    "trace" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),

    CONSTRAINT "run_ships_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "run_ships_run_id_created_at_idx" ON "run_ships"("run_id", "created_at");

-- CreateIndex
CREATE INDEX "run_ships_status_updated_at_idx" ON "run_ships"("status", "updated_at");

-- AddForeignKey
ALTER TABLE "run_ships" ADD CONSTRAINT "run_ships_run_id_fkey" FOREIGN KEY ("run_id") REFERENCES "runs"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- At most one push of a run in flight (Prisma cannot express a partial index): a second request
-- is refused by the database itself, however the requests interleave.
CREATE UNIQUE INDEX "run_ships_one_active_idx" ON "run_ships"("run_id") WHERE "status" IN ('queued', 'pushing');
