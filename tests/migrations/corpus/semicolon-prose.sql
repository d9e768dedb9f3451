-- Licence: MIT; see LICENSE
-- AlterTable
ALTER TABLE "User" ADD COLUMN "nickname" TEXT;
