SET lock_timeout = '5s';
BEGIN;
ALTER TABLE "Document" ADD COLUMN "createdAt" TIMESTAMP(3);
UPDATE "Document" SET "createdAt" = "updatedAt";
COMMIT;
