-- Objects created in this migration: nothing exists yet, nothing is at stake.
CREATE TABLE "Scratch" ("id" TEXT NOT NULL, "during" tstzrange, CONSTRAINT "Scratch_pkey" PRIMARY KEY ("id"));
CREATE TYPE "Level" AS ENUM ('LOW', 'HIGH');
ALTER TYPE "Level" RENAME VALUE 'LOW' TO 'MINOR';
ALTER TABLE "Scratch" ADD COLUMN "slug" TEXT UNIQUE, ADD COLUMN "ref" TEXT DEFAULT uuid();
ALTER TABLE "Scratch" ADD CONSTRAINT "Scratch_no_overlap" EXCLUDE USING gist ("during" WITH &&);
REINDEX TABLE "Scratch";
CLUSTER "Scratch" USING "Scratch_pkey";
LOCK TABLE "Scratch";
DELETE FROM "Scratch";
UPDATE "Scratch" SET "slug" = NULL;
CREATE MATERIALIZED VIEW "ScratchView" AS SELECT "id" FROM "Scratch";
REFRESH MATERIALIZED VIEW "ScratchView";
