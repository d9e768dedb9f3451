-- A realistic Prisma migration mixing safe and unsafe steps.
SET lock_timeout = '5s';

-- CreateTable
CREATE TABLE "Profile" ("userId" TEXT NOT NULL, "bio" TEXT, CONSTRAINT "Profile_pkey" PRIMARY KEY ("userId"));

-- Copy the data before dropping it
INSERT INTO "Profile" ("userId", "bio") SELECT "privyDid", "bio" FROM "User" WHERE "bio" IS NOT NULL;

-- AlterTable
ALTER TABLE "User" DROP COLUMN "bio", ALTER COLUMN "username" SET NOT NULL;

-- CreateIndex
CREATE INDEX "Profile_bio_idx" ON "Profile"("bio");

-- AddForeignKey
ALTER TABLE "Profile" ADD CONSTRAINT "Profile_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("privyDid") ON DELETE CASCADE;
