-- AlterTable
ALTER TABLE "User" DROP COLUMN "bio",
ADD COLUMN "bioV2" TEXT;
