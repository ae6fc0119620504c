-- A run may name the command that verifies its variations (POST /v1/runs check_command). Written
-- from `prisma migrate diff`. Nullable: runs stored before it keep detecting their checks.

-- AlterTable
ALTER TABLE "runs" ADD COLUMN     "check_command" TEXT;
