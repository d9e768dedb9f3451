-- DROP TABLE "User" and DELETE FROM "Follow" and TRUNCATE "Like"
/* ALTER TABLE "User" DROP COLUMN "email"
   ALTER TABLE "User" RENAME TO "Person" */
CREATE TABLE "drop table" ("delete from" TEXT, "truncate" TEXT DEFAULT 'DROP COLUMN x, UPDATE y SET z = 1');
INSERT INTO "drop table" ("delete from") VALUES ('ALTER TABLE "User" DROP COLUMN "bio"'), ($$DROP SCHEMA public CASCADE$$);
COMMENT ON TABLE "User" IS 'DROP TABLE, TRUNCATE and DELETE FROM are forbidden here';
SELECT 'ALTER TABLE "Comment" ALTER COLUMN "text" SET NOT NULL' AS "DROP INDEX";
