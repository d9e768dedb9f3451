SET lock_timeout = '5s';
BEGIN;
ALTER TABLE "Comment" ADD CONSTRAINT "Comment_text_check" CHECK (length("text") > 0) NOT VALID;
ALTER TABLE "Comment" VALIDATE CONSTRAINT "Comment_text_check";
COMMIT;
