-- The safe form under Prisma's adapter (each statement commits on its own);
-- one transaction under the native engine, where the VALIDATE holds the ADD's lock.
SET lock_timeout = '5s';
ALTER TABLE "Comment" ADD CONSTRAINT "Comment_text_check" CHECK (length("text") > 0) NOT VALID;
ALTER TABLE "Comment" VALIDATE CONSTRAINT "Comment_text_check";
