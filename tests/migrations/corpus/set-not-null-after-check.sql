-- The large-table recipe: no scan at SET NOT NULL once the CHECK is validated.
SET lock_timeout = '5s';
ALTER TABLE "User" ADD CONSTRAINT "User_username_not_null" CHECK ("username" IS NOT NULL) NOT VALID;
ALTER TABLE "User" VALIDATE CONSTRAINT "User_username_not_null";
ALTER TABLE "User" ALTER COLUMN "username" SET NOT NULL;
