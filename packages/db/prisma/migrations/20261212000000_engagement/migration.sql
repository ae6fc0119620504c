-- The engagement loop (docs/engagement.md): insights read back as a time series, follower counts,
-- hook styles as data (the five seeded rows below), the style each post was written in, and pg_trgm
-- for the near-duplicate check before publishing.

-- pg_trgm ships with the PostgreSQL contrib package (postgresql-contrib on Debian and Ubuntu, and
-- in the official and Bitnami images).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- AlterTable
ALTER TABLE "posts" ADD COLUMN "hook_style" TEXT;

-- CreateTable
CREATE TABLE "post_insights" (
    "id" BIGSERIAL NOT NULL,
    "post_id" UUID NOT NULL,
    "offset_seconds" INTEGER NOT NULL,
    "views" INTEGER NOT NULL,
    "likes" INTEGER NOT NULL,
    "replies" INTEGER NOT NULL,
    "reposts" INTEGER NOT NULL,
    "quotes" INTEGER NOT NULL,
    "shares" INTEGER NOT NULL,
    "collected_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "post_insights_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "hook_styles" (
    "id" UUID NOT NULL,
    "persona_id" TEXT,
    "key" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "instruction" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "hook_styles_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "follower_counts" (
    "id" BIGSERIAL NOT NULL,
    "persona_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "followers" INTEGER NOT NULL,
    "collected_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "follower_counts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "post_insights_post_id_collected_at_idx" ON "post_insights"("post_id", "collected_at");

-- CreateIndex
CREATE UNIQUE INDEX "hook_styles_persona_id_key_key" ON "hook_styles"("persona_id", "key");

-- CreateIndex
CREATE INDEX "follower_counts_persona_id_collected_at_idx" ON "follower_counts"("persona_id", "collected_at");

-- AddForeignKey
ALTER TABLE "post_insights" ADD CONSTRAINT "post_insights_post_id_fkey" FOREIGN KEY ("post_id") REFERENCES "posts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "hook_styles" ADD CONSTRAINT "hook_styles_persona_id_fkey" FOREIGN KEY ("persona_id") REFERENCES "personas"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "follower_counts" ADD CONSTRAINT "follower_counts_persona_id_fkey" FOREIGN KEY ("persona_id") REFERENCES "personas"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The seeded hook styles (packages/contracts HOOK_STYLES), persona_id NULL: every persona has them.
-- \073 is a semicolon: Prisma's migration runner splits statements at every literal one.
INSERT INTO "hook_styles" ("id", "persona_id", "key", "name", "description", "instruction") VALUES
    ('00000000-0000-7000-8000-000000000001', NULL, 'question', 'Question', 'Opens with a question the reader wants answered.', E'Write the hook as one question the reader will want answered\073 it must end with "?".'),
    ('00000000-0000-7000-8000-000000000002', NULL, 'bold_number', 'Bold number', 'Leads with a concrete number or percentage.', 'Start the hook with a concrete number or percentage, as digits (e.g. "3 ..." or "90% ...").'),
    ('00000000-0000-7000-8000-000000000003', NULL, 'contrarian', 'Contrarian', 'Takes the side most people do not, to start an argument worth having.', 'Start the hook with "Unpopular opinion:" or "Hot take:" and state a view most people would push back on.'),
    ('00000000-0000-7000-8000-000000000004', NULL, 'short_story', 'Short story', 'Opens a tiny first-person story in one line.', 'Open a tiny first-person story: start the hook with "Yesterday", "Last week", "Last night", "This morning" or "Years ago".'),
    ('00000000-0000-7000-8000-000000000005', NULL, 'how_to', 'How-to', 'Promises a practical way to do something.', 'Start the hook with "How to" or "Here''s how" and promise one practical result.');
