-- Reported once per file, at the first locking statement.
ALTER TABLE "User" ADD COLUMN "nickname" TEXT;
ALTER TABLE "User" ADD COLUMN "pronouns" TEXT;
