-- Prisma adds the column, the developer backfills it: not data loss.
-- AlterTable
ALTER TABLE "Document" ADD COLUMN "createdAt" TIMESTAMP(3);
UPDATE "Document" SET "createdAt" = COALESCE("updatedAt", '2024-01-01');
ALTER TABLE "Document" ADD COLUMN "tmpSlug" TEXT;
ALTER TABLE "Document" DROP COLUMN "tmpSlug";
