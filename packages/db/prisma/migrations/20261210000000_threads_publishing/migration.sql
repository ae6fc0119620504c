-- Publishing through the Threads Graph API (docs/threads-publishing.md): each post keeps its media
-- container and the publish claim, the media id becomes unique, tasks can wait for the publishing
-- quota (`deferred`), personas get topics of their own and Threads accounts with encrypted tokens.
-- Written by hand from `prisma migrate diff`. Every statement keeps the rows that exist: new columns
-- are nullable or have defaults, no column changes type. (No semicolons in comments: the migration
-- engine splits the script on them.)

-- A new state between running and the end. A value ADD VALUE adds cannot be used in the same
-- transaction, and nothing below uses it.
ALTER TYPE "task_status" ADD VALUE IF NOT EXISTS 'deferred' AFTER 'running';

ALTER TABLE "tasks" ADD COLUMN "deferred_until" TIMESTAMPTZ(3);

ALTER TABLE "personas" ADD COLUMN "topics" TEXT[] DEFAULT ARRAY[]::TEXT[];

ALTER TABLE "posts" ADD COLUMN "threads_container_id" TEXT,
    ADD COLUMN "container_created_at" TIMESTAMPTZ(3),
    ADD COLUMN "publish_attempted_at" TIMESTAMPTZ(3),
    ADD COLUMN "publish_attempts" INTEGER NOT NULL DEFAULT 0,
    ADD COLUMN "permalink" TEXT;

-- Media ids are unique on Threads, and posts published before this migration hold ids fake-threads
-- drew from one increasing sequence, so no two rows share one.
CREATE UNIQUE INDEX "posts_published_id_key" ON "posts"("published_id");

CREATE TABLE "threads_accounts" (
    "id" UUID NOT NULL,
    "persona_id" TEXT,
    "seed_hash" TEXT,
    "user_id" TEXT NOT NULL,
    "username" TEXT,
    "token_ciphertext" TEXT NOT NULL,
    "token_expires_at" TIMESTAMPTZ(3),
    "token_refreshed_at" TIMESTAMPTZ(3),
    "refresh_error" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "threads_accounts_pkey" PRIMARY KEY ("id"),
    -- A persona's own account, or the default account's refreshed token, never both.
    CONSTRAINT "threads_accounts_owner_check" CHECK (("persona_id" IS NULL) <> ("seed_hash" IS NULL))
);

CREATE UNIQUE INDEX "threads_accounts_persona_id_key" ON "threads_accounts"("persona_id");
CREATE UNIQUE INDEX "threads_accounts_seed_hash_key" ON "threads_accounts"("seed_hash");
CREATE INDEX "threads_accounts_token_expires_at_idx" ON "threads_accounts"("token_expires_at");

ALTER TABLE "threads_accounts" ADD CONSTRAINT "threads_accounts_persona_id_fkey" FOREIGN KEY ("persona_id") REFERENCES "personas"("id") ON DELETE CASCADE ON UPDATE CASCADE;
